-- The payments of the bookings load_bookings.sql loads (same ?2).
SELECT p.id, p.booking_id, p.status, p.amount, p.expires_at, p.refund_reason
FROM payments p
JOIN bookings b ON b.id = p.booking_id
WHERE b.showtime_id = ?1
  AND (b.status IN ('held', 'awaiting_payment', 'paid') OR b.expires_at > ?2)
