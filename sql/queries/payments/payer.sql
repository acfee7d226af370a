SELECT name, email, phone FROM users WHERE id = ?1
