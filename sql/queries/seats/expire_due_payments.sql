-- The pending payments of the showtime's holds that are due expire with them.
UPDATE payments SET status = 'expired', completed_at = ?2
WHERE status = 'pending'
  AND booking_id IN (SELECT id FROM bookings
                     WHERE showtime_id = ?1 AND status IN ('held', 'awaiting_payment') AND expires_at <= ?2)
