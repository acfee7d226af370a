UPDATE refunds SET status = 'withdrawn', updated_at = ?2, completed_at = ?2
WHERE id = ?1 AND status = 'offered'
