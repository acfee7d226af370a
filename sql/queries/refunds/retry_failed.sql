-- A fresh round of attempts, counted from the ones already made.
UPDATE refunds
SET status = 'pending', extra_attempts = attempts, last_error = last_error, completed_at = NULL,
    updated_at = ?2
WHERE id = ?1 AND status = 'failed'
RETURNING attempts
