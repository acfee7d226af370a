-- A notification already recorded (the same status, signed the same) is
-- ignored: answers no row changed.
INSERT OR IGNORE INTO gateway_notifications
    (provider, order_id, transaction_status, status_code, signature_key, received_at, body)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
