-- A new notification came: ask the gateway about the payment at once (a
-- sold one too: a cancellation or chargeback after the sale is for the admins).
UPDATE payments
SET check_due_at = ?2, check_attempts = 0, check_seq = check_seq + 1
WHERE id = ?1 AND provider = 'midtrans'
