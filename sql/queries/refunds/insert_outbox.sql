INSERT INTO refund_outbox (refund_id, attempt, delay_ms, available_at, created_at)
VALUES (?1, ?2, ?3, ?4, ?5)
