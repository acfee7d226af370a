-- A pending payment in the gateway's fraud review reads as `challenged`.
SELECT id, provider,
       CASE WHEN status = 'pending' AND fraud_status = 'challenge' THEN 'challenged' ELSE status END,
       amount, currency, expires_at, completed_at, refund_reason, redirect_url
FROM payments WHERE booking_id = ?1
ORDER BY created_at DESC, id LIMIT 1
