-- Only the attempt the message was for, and only while the refund is open:
-- a duplicate delivery finds nothing to change.
UPDATE refunds
SET status = 'succeeded', attempts = ?2, last_attempt_at = ?3, last_error = NULL,
    gateway_reference = ?4, completed_at = ?3, updated_at = ?3
WHERE id = ?1 AND attempts = ?2 - 1 AND status IN ('pending', 'retrying')
RETURNING user_id, amount, currency, booking_id, reason
