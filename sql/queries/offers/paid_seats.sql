-- The seats a booking paid for, with their classes and prices.
SELECT seat_id, class, price FROM booking_seats WHERE booking_id = ?1 ORDER BY position
