INSERT INTO booking_seats (booking_id, seat_id, class, price, position)
VALUES (?1, ?2, ?3, ?4, ?5)
