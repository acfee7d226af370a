SELECT id, city_id, name, address FROM cinemas WHERE id = ?1
