SELECT id, refund_id, attempt, delay_ms, available_at
FROM refund_outbox
WHERE published_at IS NULL AND available_at <= ?1
ORDER BY available_at, id
LIMIT ?2
