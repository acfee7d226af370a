SELECT showtime_id, user_id FROM bookings WHERE id = ?1
