INSERT INTO auditoriums (cinema_id, name, classes, rows_json) VALUES (?1, ?2, ?3, ?4)
