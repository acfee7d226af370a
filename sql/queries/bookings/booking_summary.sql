SELECT b.id, b.showtime_id, b.status, b.created_at, b.expires_at,
       v.starts_at, v.ends_at, v.status, v.movie_id, v.movie_title, v.cinema_id, v.cinema, v.auditorium,
       v.timezone,
       -- Where it moved to, and where it came from (DESIGN 4c), once moved.
       (SELECT o.move_booking_id FROM offers o WHERE o.booking_id = b.id AND o.moved_at IS NOT NULL),
       (SELECT o.booking_id FROM offers o WHERE o.move_booking_id = b.id AND o.moved_at IS NOT NULL)
FROM bookings b
JOIN showtime_places v ON v.showtime_id = b.showtime_id
WHERE b.id = ?1 AND b.user_id = ?2
