-- One booking of a showtime by its id, or by the id of one of its payments
-- (?2 or ?3), to bring back an ended booking its actor forgot.
SELECT b.id, b.user_id, b.status, b.created_at, b.expires_at,
       (SELECT p.id FROM payments p WHERE p.booking_id = b.id
        ORDER BY p.created_at DESC, p.id LIMIT 1) AS payment_id
FROM bookings b
WHERE b.showtime_id = ?1
  AND b.id = COALESCE(?2, (SELECT booking_id FROM payments WHERE id = ?3))
