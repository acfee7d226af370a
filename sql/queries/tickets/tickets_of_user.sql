SELECT t.id, t.booking_id, t.showtime_id, t.seat_id, bs.class, t.price, t.status, t.purchased_at,
       t.payment_id, t.checkin_code, t.checked_in_at,
       m.title, c.name, a.name, s.starts_at, s.status
FROM tickets t
JOIN booking_seats bs ON bs.booking_id = t.booking_id AND bs.seat_id = t.seat_id
JOIN showtimes s ON s.id = t.showtime_id
JOIN movies m ON m.id = s.movie_id
JOIN auditoriums a ON a.id = s.auditorium_id
JOIN cinemas c ON c.id = a.cinema_id
WHERE t.user_id = ?1 AND (?2 IS NULL OR t.id = ?2)
ORDER BY s.starts_at DESC, t.seat_id
LIMIT 500
