INSERT INTO cinemas (city_id, name, address, timezone) VALUES (?1, ?2, ?3, ?4)
