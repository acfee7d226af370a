SELECT status, amount, currency, reason, completed_at FROM refunds WHERE booking_id = ?1
ORDER BY created_at DESC LIMIT 1
