DELETE FROM seat_occupancy
WHERE showtime_id = ?1 AND state = 'locked'
  AND booking_id IN (SELECT id FROM bookings
                     WHERE showtime_id = ?1 AND status IN ('held', 'awaiting_payment') AND expires_at <= ?2)
