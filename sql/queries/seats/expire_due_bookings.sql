UPDATE bookings SET status = 'expired', updated_at = ?2
WHERE showtime_id = ?1 AND status IN ('held', 'awaiting_payment') AND expires_at <= ?2
