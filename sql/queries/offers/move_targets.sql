-- Showtimes an offer may move to: the same movie in the same cinema,
-- scheduled, not started at ?3, starting before ?4 (the cancelled start plus
-- `offers.move_window`); ?5: only this showtime, if it is one; ?6: at most.
SELECT v.showtime_id, v.starts_at, v.auditorium
FROM showtime_places v
WHERE v.movie_id = ?1 AND v.cinema_id = ?2 AND v.status = 'scheduled'
  AND v.starts_at > ?3 AND v.starts_at < ?4 AND (?5 IS NULL OR v.showtime_id = ?5)
ORDER BY v.starts_at, v.showtime_id
LIMIT ?6
