SELECT id, city_id, name, address, timezone FROM cinemas
WHERE (?1 IS NULL OR city_id = ?1)
ORDER BY name
