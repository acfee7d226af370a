SELECT DISTINCT showtime_id FROM bookings
WHERE status IN ('held', 'awaiting_payment')
