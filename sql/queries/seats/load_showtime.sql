-- The showtime with what a booking summary shows of it (fixed once scheduled).
SELECT v.status, v.auditorium_id, v.movie_id, v.movie_title, v.cinema_id, v.cinema, v.auditorium, v.starts_at, v.ends_at, v.timezone
FROM showtime_places v
WHERE v.showtime_id = ?1
