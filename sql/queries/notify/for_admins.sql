INSERT INTO notifications (channel, recipient, user_id, kind, subject, data, next_attempt_at, created_at)
SELECT 'email', u.email, u.id, ?1, ?2, ?3, ?4, ?4 FROM users u WHERE u.role = 'admin'
