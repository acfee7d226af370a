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
