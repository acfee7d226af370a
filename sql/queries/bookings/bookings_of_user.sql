SELECT id FROM bookings WHERE user_id = ?1 ORDER BY created_at DESC, id LIMIT ?2
