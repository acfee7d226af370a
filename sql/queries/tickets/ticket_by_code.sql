SELECT t.id, t.status, t.checked_in_at, t.showtime_id, s.starts_at, s.ends_at
FROM tickets t JOIN showtimes s ON s.id = t.showtime_id
WHERE t.checkin_code = ?1
