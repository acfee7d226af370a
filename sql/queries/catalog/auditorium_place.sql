-- An auditorium with its cinema's time zone, for scheduling showtimes in it.
SELECT a.id, a.cinema_id, c.timezone
FROM auditoriums a
JOIN cinemas c ON c.id = a.cinema_id
WHERE a.id = ?1
