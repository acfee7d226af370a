-- The gateway's side of a payment (Midtrans): where the payer was sent, what
-- the gateway last confirmed, and when to ask it again (reconciliation).
-- A payment in fraud review (CHALLENGED) is stored as `pending` with
-- fraud_status 'challenge': for the seats it is exactly a pending payment.

ALTER TABLE payments ADD COLUMN redirect_url TEXT;
-- The last transaction_status / fraud_status the gateway's status API confirmed.
ALTER TABLE payments ADD COLUMN gateway_status TEXT;
ALTER TABLE payments ADD COLUMN fraud_status TEXT;
-- When the reconciler next asks the gateway about this payment; NULL: nothing to ask.
ALTER TABLE payments ADD COLUMN check_due_at INTEGER;
ALTER TABLE payments ADD COLUMN check_attempts INTEGER NOT NULL DEFAULT 0;
-- Bumped by whatever asks for a new check (a notification, a cancellation):
-- a check that finishes after it does not overwrite the new request.
ALTER TABLE payments ADD COLUMN check_seq INTEGER NOT NULL DEFAULT 0;
-- 1 once the gateway can no longer take money for it (settled, expired, denied...).
ALTER TABLE payments ADD COLUMN gateway_closed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX payments_checks_due ON payments(check_due_at) WHERE check_due_at IS NOT NULL;

-- Every signed notification, kept as received before it is answered 200:
-- what the gateway told us is never lost, even if the status check that
-- follows is cut short.
CREATE TABLE gateway_notifications (
    id                 INTEGER PRIMARY KEY,
    provider           TEXT NOT NULL,
    order_id           TEXT NOT NULL,
    transaction_status TEXT,
    status_code        TEXT,
    signature_key      TEXT NOT NULL,
    received_at        INTEGER NOT NULL,
    body               TEXT NOT NULL
);
-- A notification sent again (Midtrans retries, or a replay) is kept once.
CREATE UNIQUE INDEX gateway_notifications_once ON gateway_notifications(order_id, transaction_status, status_code, signature_key);
