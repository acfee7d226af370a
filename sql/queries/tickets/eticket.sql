-- Everything an e-ticket shows, one row per seat.
SELECT t.id, t.seat_id, bs.class, t.price, t.checkin_code, t.status,
       b.id, p.id, p.amount, p.currency, p.completed_at,
       v.movie_title, v.cinema, v.cinema_address, v.auditorium, v.starts_at, u.name, v.timezone
FROM tickets t
JOIN bookings b ON b.id = t.booking_id
JOIN payments p ON p.id = t.payment_id
JOIN booking_seats bs ON bs.booking_id = t.booking_id AND bs.seat_id = t.seat_id
JOIN showtime_places v ON v.showtime_id = t.showtime_id
JOIN users u ON u.id = t.user_id
WHERE t.booking_id = ?1
ORDER BY bs.position, t.seat_id
