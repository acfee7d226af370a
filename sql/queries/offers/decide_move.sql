-- The one decision of an offer, when it is a move: recorded before the
-- target's seats are taken, while nothing was decided and the offer lasts.
UPDATE offers
SET decision = 'move', decided_by = 'customer', decided_at = ?5,
    move_showtime_id = ?2, move_seats = ?3, move_booking_id = ?4
WHERE booking_id = ?1 AND decision IS NULL AND decide_by > ?5
