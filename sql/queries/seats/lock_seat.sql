-- Takes a free seat, or one whose lock ran out (expiry is data: the row of an
-- expired hold may still wait for its cleanup). A seat held or sold by anyone
-- else is left alone: the caller sees zero changed rows and rolls back.
INSERT INTO seat_occupancy (showtime_id, seat_id, booking_id, state, locked_until)
VALUES (?1, ?2, ?3, 'locked', ?4)
ON CONFLICT (showtime_id, seat_id) DO UPDATE
SET booking_id = excluded.booking_id, state = 'locked', locked_until = excluded.locked_until
WHERE seat_occupancy.state = 'locked' AND seat_occupancy.locked_until <= ?5
