SELECT id, city_id, name, address, timezone FROM cinemas WHERE id = ?1
