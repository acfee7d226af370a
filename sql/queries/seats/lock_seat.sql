-- Takes a free seat, or one whose lock ran out (expiry is data: the row of an
-- expired hold may still wait for its cleanup). A seat held or sold by anyone
-- else is left alone: the caller sees zero changed rows and rolls back.
-- The seat must be in the showtime's layout as memory knows it (its pinned
-- copy, or else its auditorium's seats, with the same class): an actor that
-- loaded a layout an edit has since replaced changes nothing, rolls back and
-- reloads.
INSERT INTO seat_occupancy (showtime_id, seat_id, booking_id, state, locked_until)
SELECT ?1, ?2, ?3, 'locked', ?4
WHERE EXISTS (SELECT 1 FROM showtime_seats p
              WHERE p.showtime_id = ?1 AND p.seat_id = ?2 AND p.class = ?6)
   OR (NOT EXISTS (SELECT 1 FROM showtime_seats p WHERE p.showtime_id = ?1)
       AND EXISTS (SELECT 1 FROM showtimes s
                   JOIN auditorium_seats a ON a.auditorium_id = s.auditorium_id
                   WHERE s.id = ?1 AND a.seat_id = ?2 AND a.class = ?6))
ON CONFLICT (showtime_id, seat_id) DO UPDATE
SET booking_id = excluded.booking_id, state = 'locked', locked_until = excluded.locked_until
WHERE seat_occupancy.state = 'locked' AND seat_occupancy.locked_until <= ?5
