-- The payment that took an offered booking's money (its refund's payment).
SELECT r.payment_id
FROM offers o
JOIN refunds r ON r.id = o.refund_id
WHERE o.booking_id = ?1
