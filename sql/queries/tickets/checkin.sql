-- Admits a valid ticket once (the second scan finds it used), while the doors
-- of its showtime are open: from ?4 ms before it starts until it ends. A gate
-- that says which showtime it admits for (?3) admits no other's tickets.
UPDATE tickets SET status = 'used', checked_in_at = ?2
WHERE checkin_code = ?1 AND status = 'valid' AND (?3 IS NULL OR showtime_id = ?3)
  AND EXISTS (SELECT 1 FROM showtimes s
              WHERE s.id = tickets.showtime_id AND ?2 >= s.starts_at - ?4 AND ?2 <= s.ends_at)
RETURNING id, seat_id, showtime_id, checked_in_at
