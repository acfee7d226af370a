INSERT INTO gateway_notifications (provider, order_id, transaction_status, status_code, received_at, body)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)
