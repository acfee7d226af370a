SELECT id, email, name, phone, role, password_hash FROM users WHERE email = ?1
