-- A notification came: ask the gateway about the payment at once (a paid
-- payment has nothing left to ask).
UPDATE payments
SET check_due_at = ?2, check_attempts = 0
WHERE id = ?1 AND provider = 'midtrans' AND status <> 'succeeded'
