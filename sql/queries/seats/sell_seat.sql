-- Turns the booking's lock into a sale, or takes a free seat for a late
-- payment. A seat that another booking occupies is left alone, and the
-- caller sees zero changed rows and rolls the whole change back.
INSERT INTO seat_occupancy (showtime_id, seat_id, booking_id, state, locked_until)
VALUES (?1, ?2, ?3, 'sold', NULL)
ON CONFLICT (showtime_id, seat_id) DO UPDATE
SET state = 'sold', locked_until = NULL
WHERE seat_occupancy.booking_id = excluded.booking_id
