-- What a message about a booking says of its showtime and customer.
SELECT v.movie_title, v.cinema, v.auditorium, v.starts_at, u.name, v.timezone
FROM bookings b
JOIN showtime_places v ON v.showtime_id = b.showtime_id
JOIN users u ON u.id = b.user_id
WHERE b.id = ?1
