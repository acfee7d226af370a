SELECT t.id, t.booking_id, t.showtime_id, t.seat_id, bs.class, t.price, t.status, t.purchased_at,
       t.payment_id, t.checkin_code, t.checked_in_at,
       v.movie_title, v.cinema, v.auditorium, v.starts_at, v.status, v.timezone
FROM tickets t
JOIN booking_seats bs ON bs.booking_id = t.booking_id AND bs.seat_id = t.seat_id
JOIN showtime_places v ON v.showtime_id = t.showtime_id
WHERE t.user_id = ?1 AND (?2 IS NULL OR t.id = ?2)
ORDER BY v.starts_at DESC, t.seat_id
LIMIT 500
