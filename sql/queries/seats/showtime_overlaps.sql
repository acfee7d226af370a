-- Scheduled showtimes of auditorium ?1 that a showtime from ?2 to ?3 would
-- collide with: they overlap it, or one starts less than ?4 ms (the cleaning
-- gap) after the other ends. ?5: a showtime to leave out (the one moving), or NULL.
SELECT s.id, s.starts_at, s.ends_at
FROM showtimes s
WHERE s.auditorium_id = ?1
  AND s.status = 'scheduled'
  AND (?5 IS NULL OR s.id <> ?5)
  AND s.starts_at < ?3 + ?4
  AND ?2 < s.ends_at + ?4
ORDER BY s.starts_at, s.id
