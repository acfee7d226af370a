SELECT id, provider, status, amount, currency, expires_at, completed_at, refund_reason
FROM payments WHERE booking_id = ?1
ORDER BY created_at DESC, id LIMIT 1
