UPDATE refunds
SET status = 'resolved', resolution_note = ?2, completed_at = ?3, updated_at = ?3
WHERE id = ?1 AND status = 'failed'
