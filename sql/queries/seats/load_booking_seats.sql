SELECT bs.booking_id, bs.seat_id, bs.price, bs.position
FROM booking_seats bs
JOIN bookings b ON b.id = bs.booking_id
WHERE b.showtime_id = ?1
ORDER BY bs.booking_id, bs.position
