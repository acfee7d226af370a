UPDATE showtimes SET status = 'cancelled', cancelled_at = ?2, cancel_reason = ?3
WHERE id = ?1 AND status = 'scheduled'
