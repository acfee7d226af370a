SELECT id, email, name, phone, role, password_hash, disabled FROM users WHERE email = ?1
