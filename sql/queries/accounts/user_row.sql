SELECT id, email, name, phone, role, disabled, created_at FROM users WHERE id = ?1
