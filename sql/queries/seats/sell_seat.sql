-- Turns the booking's lock into a sale, or takes a free seat (or one whose
-- lock ran out) for a late payment. A seat that another booking holds or
-- bought is left alone: the caller sees zero changed rows and rolls back.
INSERT INTO seat_occupancy (showtime_id, seat_id, booking_id, state, locked_until)
VALUES (?1, ?2, ?3, 'sold', NULL)
ON CONFLICT (showtime_id, seat_id) DO UPDATE
SET booking_id = excluded.booking_id, state = 'sold', locked_until = NULL
WHERE seat_occupancy.booking_id = excluded.booking_id
   OR (seat_occupancy.state = 'locked' AND seat_occupancy.locked_until <= ?4)
