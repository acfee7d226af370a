INSERT INTO refund_attempts (refund_id, attempt, at, outcome, error) VALUES (?1, ?2, ?3, ?4, ?5)
