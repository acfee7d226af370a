UPDATE tickets SET status = 'moved' WHERE booking_id = ?1 AND status = 'refunded'
