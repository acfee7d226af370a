-- Admits a valid ticket once: the second scan finds it used.
UPDATE tickets SET status = 'used', checked_in_at = ?2
WHERE checkin_code = ?1 AND status = 'valid'
RETURNING id, seat_id, showtime_id, checked_in_at
