UPDATE payments
SET status = ?2,
    completed_at = CASE WHEN ?2 = 'pending' THEN NULL ELSE ?3 END,
    refund_reason = ?4
WHERE id = ?1
