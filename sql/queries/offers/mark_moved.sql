-- The cancelled showtime's booking and its tickets were moved, not refunded.
UPDATE bookings SET status = 'moved', updated_at = ?2 WHERE id = ?1 AND status = 'refunded'
