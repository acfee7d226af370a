SELECT seat_id FROM blocked_seats WHERE showtime_id = ?1
