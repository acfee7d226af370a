-- Only rows still held by a due booking: a seat already taken over by a new
-- hold (see lock_seat.sql) keeps its new owner.
DELETE FROM seat_occupancy
WHERE showtime_id = ?1 AND state = 'locked' AND locked_until <= ?2
  AND booking_id IN (SELECT id FROM bookings
                     WHERE showtime_id = ?1 AND status IN ('held', 'awaiting_payment') AND expires_at <= ?2)
