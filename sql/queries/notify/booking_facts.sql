-- What a message about a booking says of its showtime and customer.
SELECT m.title, c.name, a.name, s.starts_at, u.name
FROM bookings b
JOIN showtimes s ON s.id = b.showtime_id
JOIN movies m ON m.id = s.movie_id
JOIN auditoriums a ON a.id = s.auditorium_id
JOIN cinemas c ON c.id = a.cinema_id
JOIN users u ON u.id = b.user_id
WHERE b.id = ?1
