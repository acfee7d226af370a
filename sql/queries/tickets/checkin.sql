-- Admits a valid ticket once: the second scan finds it used. A gate that
-- says which showtime it admits for (?3) admits no other showtime's tickets.
UPDATE tickets SET status = 'used', checked_in_at = ?2
WHERE checkin_code = ?1 AND status = 'valid' AND (?3 IS NULL OR showtime_id = ?3)
RETURNING id, seat_id, showtime_id, checked_in_at
