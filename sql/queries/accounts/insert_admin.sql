INSERT INTO users (email, password_hash, name, phone, role, created_at)
VALUES (?1, ?2, ?3, NULL, 'admin', ?4)
