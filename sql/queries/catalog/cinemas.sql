SELECT id, city_id, name, address FROM cinemas
WHERE (?1 IS NULL OR city_id = ?1)
ORDER BY name
