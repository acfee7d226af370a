UPDATE users SET password_hash = ?2, name = COALESCE(?3, name) WHERE id = ?1
