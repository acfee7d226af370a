-- Showtimes starting in a window (wider than one local day: each cinema's
-- day is cut from it by its own zone), with their sold and admitted tickets.
SELECT v.showtime_id, v.movie_title, v.auditorium, v.cinema_id, v.cinema, v.timezone,
       v.starts_at, v.ends_at, v.status,
       (SELECT COUNT(*) FROM tickets t WHERE t.showtime_id = v.showtime_id AND t.status IN ('valid', 'used')),
       (SELECT COUNT(*) FROM tickets t WHERE t.showtime_id = v.showtime_id AND t.status = 'used')
FROM showtime_places v
WHERE v.starts_at >= ?1 AND v.starts_at < ?2 AND (?3 IS NULL OR v.cinema_id = ?3)
ORDER BY v.starts_at, v.auditorium
