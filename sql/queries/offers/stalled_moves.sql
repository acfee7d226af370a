-- Moves decided at or before ?1 that have not taken effect (a crash between
-- the decision and the sale, or a write that failed): taken up again.
SELECT booking_id, user_id, move_showtime_id, move_seats, move_booking_id, showtime_id, decide_by
FROM offers
WHERE decision = 'move' AND moved_at IS NULL AND decided_at <= ?1
ORDER BY decided_at
LIMIT ?2
