SELECT id, name FROM cities ORDER BY name
