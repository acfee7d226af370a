UPDATE notifications
SET status = 'failed', attempts = attempts + 1, last_error = ?3
WHERE id = ?1 AND attempts = ?2 AND status = 'pending'
