-- The gateway order is the payment that took the money: a moved booking's
-- payment row (DESIGN 4c) names it in `paid_by`.
SELECT r.status, r.attempts, r.extra_attempts, COALESCE(p.paid_by, r.payment_id), r.amount, r.currency,
       r.idempotency_key, p.provider, r.reason
FROM refunds r
JOIN payments p ON p.id = r.payment_id
WHERE r.id = ?1
