SELECT b.id, b.showtime_id, b.status, b.created_at, b.expires_at,
       v.starts_at, v.ends_at, v.status, v.movie_id, v.movie_title, v.cinema_id, v.cinema, v.auditorium,
       v.timezone
FROM bookings b
JOIN showtime_places v ON v.showtime_id = b.showtime_id
WHERE b.id = ?1 AND b.user_id = ?2
