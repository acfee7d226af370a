DELETE FROM seat_occupancy
WHERE showtime_id = ?1 AND booking_id = ?2 AND state = 'locked'
