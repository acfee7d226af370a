-- Where a booking moved to, and where it came from (DESIGN 4c), once moved.
SELECT (SELECT move_booking_id FROM offers WHERE booking_id = ?1 AND moved_at IS NOT NULL),
       (SELECT booking_id FROM offers WHERE move_booking_id = ?1 AND moved_at IS NOT NULL)
