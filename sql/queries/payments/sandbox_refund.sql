-- The sandbox pays a refund once per idempotency key; a repeated call is
-- counted and answered with the first refund's reference.
INSERT INTO sandbox_refunds (idempotency_key, payment_id, amount, reference, refunded_at)
VALUES (?1, ?2, ?3, ?4, ?5)
ON CONFLICT (idempotency_key) DO UPDATE SET calls = calls + 1
RETURNING reference
