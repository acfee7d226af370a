-- A moved booking's payment: no new money, the amount of the payment that
-- took it (`paid_by`, the first of a chain of moves), already succeeded.
INSERT INTO payments (id, booking_id, provider, amount, currency, status, created_at, expires_at,
                      completed_at, paid_by)
SELECT ?1, ?2, provider, amount, currency, 'succeeded', ?4, ?4, ?4, COALESCE(paid_by, id)
FROM payments WHERE id = ?3
