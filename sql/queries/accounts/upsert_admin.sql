INSERT INTO users (email, password_hash, name, phone, role, created_at)
VALUES (?1, ?2, 'Administrator', NULL, 'admin', ?3)
ON CONFLICT (email) DO UPDATE SET password_hash = excluded.password_hash, role = 'admin'
