-- An offer with what the customer paid and what they decided. ?2: the owner.
SELECT o.booking_id, o.showtime_id, o.move_until, o.decide_by, o.decision, o.decided_by,
       o.decided_at, o.move_showtime_id, o.move_seats, o.move_booking_id, o.moved_at,
       r.id, r.status, r.amount, r.currency, r.payment_id, v.movie_id, v.cinema_id,
       v.timezone, v.starts_at, o.user_id
FROM offers o
JOIN refunds r ON r.id = o.refund_id
JOIN showtime_places v ON v.showtime_id = o.showtime_id
WHERE o.booking_id = ?1 AND o.user_id = ?2
