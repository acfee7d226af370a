UPDATE notifications
SET status = ?3, subject = coalesce(?4, subject), attempts = attempts + 1, sent_at = ?5, last_error = ?6
WHERE id = ?1 AND attempts = ?2 AND status = 'pending'
