-- ?2: the hold deadline at or before which an ended booking is history,
-- left in the database (book::ENDED_KEPT_MS).
SELECT b.id, b.user_id, b.status, b.created_at, b.expires_at,
       (SELECT p.id FROM payments p WHERE p.booking_id = b.id
        ORDER BY p.created_at DESC, p.id LIMIT 1) AS payment_id
FROM bookings b
WHERE b.showtime_id = ?1
  AND (b.status IN ('held', 'awaiting_payment', 'paid') OR b.expires_at > ?2)
