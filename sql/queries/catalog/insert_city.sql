INSERT INTO cities (name) VALUES (?1)
