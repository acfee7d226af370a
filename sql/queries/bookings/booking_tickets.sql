SELECT id, seat_id, status FROM tickets WHERE booking_id = ?1 ORDER BY seat_id
