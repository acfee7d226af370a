-- A cinema's showtimes of one local day, for customers: an archived movie's
-- are not offered; a showtime pinned to its own seats (a layout edit came
-- after its first booking) counts those.
SELECT s.id, s.movie_id, m.title, a.id, a.name, s.starts_at, s.ends_at, s.status,
       COALESCE((SELECT COUNT(*) FROM showtime_seats p WHERE p.showtime_id = s.id HAVING COUNT(*) > 0),
                (SELECT COUNT(*) FROM auditorium_seats x WHERE x.auditorium_id = a.id)) AS seats_total,
       (SELECT COUNT(*) FROM seat_occupancy o
         WHERE o.showtime_id = s.id AND (o.state = 'sold' OR o.locked_until > ?5))
     + (SELECT COUNT(*) FROM blocked_seats b WHERE b.showtime_id = s.id) AS seats_taken
FROM showtimes s
JOIN auditoriums a ON a.id = s.auditorium_id
JOIN movies m ON m.id = s.movie_id
WHERE a.cinema_id = ?1 AND s.starts_at >= ?2 AND s.starts_at < ?3
  AND (?4 IS NULL OR s.movie_id = ?4) AND m.archived = 0
ORDER BY s.starts_at, a.name
