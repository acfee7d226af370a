DELETE FROM seat_occupancy WHERE showtime_id = ?1
