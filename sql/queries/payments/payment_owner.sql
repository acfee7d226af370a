SELECT b.user_id
FROM payments p JOIN bookings b ON b.id = p.booking_id
WHERE p.id = ?1
