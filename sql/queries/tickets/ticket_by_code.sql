SELECT id, status, checked_in_at FROM tickets WHERE checkin_code = ?1
