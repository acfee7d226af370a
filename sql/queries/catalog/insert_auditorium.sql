INSERT INTO auditoriums (cinema_id, name) VALUES (?1, ?2)
