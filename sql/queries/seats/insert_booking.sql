INSERT INTO bookings (id, showtime_id, user_id, status, created_at, expires_at, updated_at)
VALUES (?1, ?2, ?3, 'held', ?4, ?5, ?4)
