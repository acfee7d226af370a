SELECT id, status, checked_in_at, showtime_id FROM tickets WHERE checkin_code = ?1
