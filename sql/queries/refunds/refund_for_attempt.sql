SELECT r.status, r.attempts, r.extra_attempts, r.payment_id, r.amount, r.currency,
       r.idempotency_key
FROM refunds r
WHERE r.id = ?1
