-- A showtime as the back office sees it, with its cinema's time zone.
SELECT s.id, s.movie_id, s.auditorium_id, a.cinema_id, c.timezone, s.starts_at, s.ends_at, s.status
FROM showtimes s
JOIN auditoriums a ON a.id = s.auditorium_id
JOIN cinemas c ON c.id = a.cinema_id
WHERE s.id = ?1
