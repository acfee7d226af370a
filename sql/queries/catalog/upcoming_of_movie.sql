-- Scheduled showtimes of a movie that have not ended: their ends (and the
-- cleaning gaps after them) were computed from its duration.
SELECT COUNT(*) FROM showtimes s
WHERE s.movie_id = ?1 AND s.status = 'scheduled' AND s.ends_at > ?2
