-- The move took effect (in the target showtime's savepoint, beside the sale).
UPDATE offers SET moved_at = ?3
WHERE booking_id = ?1 AND decision = 'move' AND move_booking_id = ?2 AND moved_at IS NULL
RETURNING refund_id
