-- Where a payment's seats live, when it was made through the provider ?2.
SELECT p.booking_id, b.showtime_id
FROM payments p JOIN bookings b ON b.id = p.booking_id
WHERE p.id = ?1 AND p.provider = ?2
