-- A plain INSERT: if the seat is already occupied the primary key refuses it
-- and the whole change is rolled back.
INSERT INTO seat_occupancy (showtime_id, seat_id, booking_id, state, locked_until)
VALUES (?1, ?2, ?3, 'locked', ?4)
