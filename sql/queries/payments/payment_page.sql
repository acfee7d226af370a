SELECT p.id, p.status, p.amount, p.currency, p.expires_at, b.id, v.movie_title, v.cinema, v.starts_at, v.timezone
FROM payments p
JOIN bookings b ON b.id = p.booking_id
JOIN showtime_places v ON v.showtime_id = b.showtime_id
WHERE p.id = ?1
