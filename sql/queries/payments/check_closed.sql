-- The gateway can no longer take money for this payment: nothing more to ask.
-- Only when no notification asked for a new check meanwhile (?2: the check_seq
-- the check was made for).
UPDATE payments
SET check_due_at = NULL,
    gateway_closed = 1,
    gateway_status = coalesce(?3, gateway_status),
    fraud_status = coalesce(?4, fraud_status)
WHERE id = ?1 AND check_seq = ?2
