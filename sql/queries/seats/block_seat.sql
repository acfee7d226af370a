-- Takes a seat off sale, only if nobody holds (unexpired) or bought it: a
-- seat that is taken gives zero changed rows and the caller rolls back. A
-- seat blocked already breaks the primary key (memory said it was free).
INSERT INTO blocked_seats (showtime_id, seat_id, reason, blocked_at, blocked_by)
SELECT ?1, ?2, ?3, ?4, ?5
WHERE NOT EXISTS (
    SELECT 1 FROM seat_occupancy o
    WHERE o.showtime_id = ?1 AND o.seat_id = ?2
      AND (o.state = 'sold' OR o.locked_until > ?4)
)
-- …and only a seat of the showtime's layout as it is stored (its pinned copy,
-- or else its auditorium's seats): an actor whose layout an edit replaced
-- changes nothing, rolls back and reloads.
AND (EXISTS (SELECT 1 FROM showtime_seats p WHERE p.showtime_id = ?1 AND p.seat_id = ?2)
     OR (NOT EXISTS (SELECT 1 FROM showtime_seats p WHERE p.showtime_id = ?1)
         AND EXISTS (SELECT 1 FROM showtimes s
                     JOIN auditorium_seats a ON a.auditorium_id = s.auditorium_id
                     WHERE s.id = ?1 AND a.seat_id = ?2)))
