-- What moving a showtime needs: its auditorium, its cinema's time zone and
-- its movie's length in minutes.
SELECT s.auditorium_id, c.timezone, m.duration_minutes
FROM showtimes s
JOIN movies m ON m.id = s.movie_id
JOIN auditoriums a ON a.id = s.auditorium_id
JOIN cinemas c ON c.id = a.cinema_id
WHERE s.id = ?1
