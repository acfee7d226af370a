-- A payment is refunded at most once, whoever asks (cancellation, late payment).
-- ?10: `pending`, or `offered` beside a move (DESIGN 4c).
INSERT INTO refunds (id, payment_id, booking_id, user_id, showtime_id, amount, currency, reason,
                     status, idempotency_key, created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?10, 'refund-' || ?2, ?9, ?9)
ON CONFLICT (payment_id) DO NOTHING
