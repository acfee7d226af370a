SELECT id, refund_id, attempt, delay_ms, available_at
FROM refund_outbox
WHERE published_at IS NULL
ORDER BY available_at, id
LIMIT ?1
