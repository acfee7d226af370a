-- The showtime with what a booking summary shows of it (fixed once scheduled).
SELECT s.status, s.auditorium_id, m.id, m.title, c.id, c.name, a.name, s.starts_at, s.ends_at
FROM showtimes s
JOIN movies m ON m.id = s.movie_id
JOIN auditoriums a ON a.id = s.auditorium_id
JOIN cinemas c ON c.id = a.cinema_id
WHERE s.id = ?1
