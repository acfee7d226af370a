SELECT b.id, b.showtime_id, b.status, b.created_at, b.expires_at,
       s.starts_at, s.ends_at, s.status, m.id, m.title, c.id, c.name, a.name
FROM bookings b
JOIN showtimes s ON s.id = b.showtime_id
JOIN movies m ON m.id = s.movie_id
JOIN auditoriums a ON a.id = s.auditorium_id
JOIN cinemas c ON c.id = a.cinema_id
WHERE b.id = ?1 AND b.user_id = ?2
