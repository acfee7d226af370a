UPDATE bookings SET status = 'refunded', updated_at = ?2
WHERE showtime_id = ?1 AND status = 'paid'
