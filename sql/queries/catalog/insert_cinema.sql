INSERT INTO cinemas (city_id, name, address) VALUES (?1, ?2, ?3)
