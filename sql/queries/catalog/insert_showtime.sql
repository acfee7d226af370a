INSERT INTO showtimes (movie_id, auditorium_id, starts_at, ends_at, status)
VALUES (?1, ?2, ?3, ?4, 'scheduled')
