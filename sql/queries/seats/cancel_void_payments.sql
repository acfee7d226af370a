UPDATE payments SET status = 'voided', completed_at = ?2
WHERE status = 'pending'
  AND booking_id IN (SELECT id FROM bookings
                     WHERE showtime_id = ?1 AND status IN ('held', 'awaiting_payment'))
