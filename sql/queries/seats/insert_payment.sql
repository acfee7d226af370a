INSERT INTO payments (id, booking_id, provider, amount, currency, status, created_at, expires_at)
VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?7)
