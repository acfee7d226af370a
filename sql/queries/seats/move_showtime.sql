-- A scheduled showtime moves to another time.
UPDATE showtimes SET starts_at = ?2, ends_at = ?3 WHERE id = ?1 AND status = 'scheduled'
