-- The seats of the bookings load_bookings.sql loads (same ?2).
SELECT bs.booking_id, bs.seat_id, bs.price, bs.position
FROM booking_seats bs
JOIN bookings b ON b.id = bs.booking_id
WHERE b.showtime_id = ?1
  AND (b.status IN ('held', 'awaiting_payment', 'paid') OR b.expires_at > ?2)
ORDER BY bs.booking_id, bs.position
