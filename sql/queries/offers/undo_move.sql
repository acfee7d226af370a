-- A move the target refused (its seats were taken meanwhile): the offer
-- stands as it was.
UPDATE offers
SET decision = NULL, decided_by = NULL, decided_at = NULL,
    move_showtime_id = NULL, move_seats = NULL, move_booking_id = NULL
WHERE booking_id = ?1 AND decision = 'move' AND move_booking_id = ?2 AND moved_at IS NULL
