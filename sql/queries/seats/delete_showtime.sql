-- Deletes a showtime only if nobody ever booked it (a booking of any status)
-- and no seat of it is blocked; 0 rows otherwise.
DELETE FROM showtimes
WHERE id = ?1
  AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.showtime_id = ?1)
  AND NOT EXISTS (SELECT 1 FROM blocked_seats k WHERE k.showtime_id = ?1)
