SELECT seat_id, booking_id, state, locked_until
FROM seat_occupancy
WHERE showtime_id = ?1
