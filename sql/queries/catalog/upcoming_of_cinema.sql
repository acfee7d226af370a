-- Scheduled showtimes of a cinema that have not ended: their times are
-- fixed in the cinema's zone and loaded into their actors.
SELECT COUNT(*) FROM showtimes s JOIN auditoriums a ON a.id = s.auditorium_id
WHERE a.cinema_id = ?1 AND s.status = 'scheduled' AND s.ends_at > ?2
