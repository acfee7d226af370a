SELECT id, booking_id, status, amount, expires_at, refund_reason
FROM payments
WHERE booking_id = ?1
