-- Seats one customer holds now, across all showtimes (held or being paid,
-- not run out).
SELECT COUNT(*) FROM booking_seats bs JOIN bookings b ON b.id = bs.booking_id
WHERE b.user_id = ?1 AND b.status IN ('held', 'awaiting_payment') AND b.expires_at > ?2
