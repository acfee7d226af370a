-- ?4 is the status after this failure: 'retrying' or 'failed'.
UPDATE refunds
SET status = ?4, attempts = ?2, last_attempt_at = ?3, last_error = ?5, updated_at = ?3,
    completed_at = CASE WHEN ?4 = 'failed' THEN ?3 ELSE NULL END
WHERE id = ?1 AND attempts = ?2 - 1 AND status IN ('pending', 'retrying')
RETURNING user_id, amount, currency, booking_id, reason
