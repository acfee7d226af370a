UPDATE tickets SET status = 'refunded' WHERE showtime_id = ?1 AND status IN ('valid', 'used')
