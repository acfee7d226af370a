SELECT id, name FROM cities WHERE id = ?1
