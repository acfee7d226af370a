SELECT id FROM auditoriums
WHERE cinema_id = ?1 AND name = ?2 COLLATE NOCASE AND id IS NOT ?3
LIMIT 1
