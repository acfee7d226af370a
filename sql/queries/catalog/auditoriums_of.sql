SELECT id FROM auditoriums WHERE cinema_id = ?1 ORDER BY name COLLATE NOCASE, id
