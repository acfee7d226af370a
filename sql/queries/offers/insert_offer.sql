INSERT INTO offers (booking_id, refund_id, user_id, showtime_id, move_until, decide_by, created_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
