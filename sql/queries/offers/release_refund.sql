-- The offered refund goes ahead: its first attempt is queued beside it.
UPDATE refunds SET status = 'pending', updated_at = ?2
WHERE id = ?1 AND status = 'offered'
