SELECT email, password_hash FROM users WHERE id = ?1 AND disabled = 0
