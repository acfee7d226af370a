UPDATE bookings SET status = 'voided', updated_at = ?2
WHERE showtime_id = ?1 AND status IN ('held', 'awaiting_payment')
