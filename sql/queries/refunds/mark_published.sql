UPDATE refund_outbox SET published_at = ?2 WHERE id = ?1 AND published_at IS NULL
