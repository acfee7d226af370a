SELECT id, cinema_id, name, classes, rows_json FROM auditoriums WHERE id = ?1
