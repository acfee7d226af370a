-- Midtrans payments the reconciler should ask about now, oldest first.
SELECT id, status, amount, currency, expires_at, fraud_status, check_attempts, check_seq
FROM payments
WHERE check_due_at IS NOT NULL AND check_due_at <= ?1 AND provider = 'midtrans'
ORDER BY check_due_at
LIMIT ?2
