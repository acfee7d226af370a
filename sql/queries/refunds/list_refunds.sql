SELECT r.id, r.booking_id, r.payment_id, r.showtime_id, r.user_id, u.email, r.amount, r.currency,
       r.reason, r.status, r.attempts, r.last_error, r.last_attempt_at, r.gateway_reference,
       r.resolution_note, r.created_at, r.updated_at, r.completed_at, v.timezone
FROM refunds r
JOIN users u ON u.id = r.user_id
JOIN showtime_places v ON v.showtime_id = r.showtime_id
WHERE (?1 IS NULL OR r.status = ?1) AND (?2 IS NULL OR r.id = ?2)
ORDER BY r.created_at DESC, r.id
LIMIT ?3
