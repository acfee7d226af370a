UPDATE notifications
SET attempts = attempts + 1, last_error = ?3, next_attempt_at = ?4
WHERE id = ?1 AND attempts = ?2 AND status = 'pending'
