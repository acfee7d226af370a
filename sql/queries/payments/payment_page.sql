SELECT p.id, p.status, p.amount, p.currency, p.expires_at, b.id, m.title, c.name, s.starts_at
FROM payments p
JOIN bookings b ON b.id = p.booking_id
JOIN showtimes s ON s.id = b.showtime_id
JOIN movies m ON m.id = s.movie_id
JOIN auditoriums a ON a.id = s.auditorium_id
JOIN cinemas c ON c.id = a.cinema_id
WHERE p.id = ?1
