-- An auditorium's showtimes starting in [?2, ?3) (UTC milliseconds), cancelled
-- ones too, by start: the back office's programme.
SELECT s.id
FROM showtimes s
WHERE s.auditorium_id = ?1 AND s.starts_at >= ?2 AND s.starts_at < ?3
ORDER BY s.starts_at, s.id
