SELECT r.status, r.attempts, r.extra_attempts, r.payment_id, r.amount, r.currency,
       r.idempotency_key, p.provider, r.reason
FROM refunds r
JOIN payments p ON p.id = r.payment_id
WHERE r.id = ?1
