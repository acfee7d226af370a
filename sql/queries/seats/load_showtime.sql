SELECT s.id, s.starts_at, s.status, s.auditorium_id
FROM showtimes s
WHERE s.id = ?1
