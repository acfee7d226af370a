SELECT t.id, t.status, t.checked_in_at, t.showtime_id, v.starts_at, v.ends_at, v.timezone
FROM tickets t JOIN showtime_places v ON v.showtime_id = t.showtime_id
WHERE t.checkin_code = ?1
