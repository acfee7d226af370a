INSERT INTO tickets (id, booking_id, showtime_id, seat_id, user_id, payment_id, price,
                     purchased_at, status, checkin_code)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'valid', ?9)
