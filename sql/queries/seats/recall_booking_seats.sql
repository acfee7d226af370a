SELECT seat_id, price, position
FROM booking_seats
WHERE booking_id = ?1
ORDER BY position
