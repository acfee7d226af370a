-- ?1 is unused (no one user): every admin gets an e-mail.
INSERT INTO notifications (channel, recipient, user_id, kind, subject, data, next_attempt_at, created_at)
SELECT 'email', u.email, u.id, ?2, ?3, ?4, ?5, ?5 FROM users u WHERE u.role = 'admin' AND ?1 IS NULL
