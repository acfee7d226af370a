DELETE FROM booking_seats WHERE booking_id = ?1 AND seat_id = ?2
