UPDATE users SET password_hash = ?2 WHERE id = ?1 AND password_hash = ?3 AND disabled = 0
