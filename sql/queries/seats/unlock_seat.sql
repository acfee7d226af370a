DELETE FROM seat_occupancy
WHERE showtime_id = ?1 AND seat_id = ?2 AND booking_id = ?3 AND state = 'locked'
