DELETE FROM blocked_seats WHERE showtime_id = ?1 AND seat_id = ?2
