UPDATE cinemas SET city_id = ?2, name = ?3, address = ?4, timezone = ?5 WHERE id = ?1
