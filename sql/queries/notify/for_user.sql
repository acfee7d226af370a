-- An e-mail to the user, and a WhatsApp message when a phone number is known.
INSERT INTO notifications (channel, recipient, user_id, kind, subject, data, next_attempt_at, created_at)
SELECT 'email', u.email, u.id, ?2, ?3, ?4, ?5, ?5 FROM users u WHERE u.id = ?1
UNION ALL
SELECT 'whatsapp', u.phone, u.id, ?2, ?3, ?4, ?5, ?5 FROM users u
WHERE u.id = ?1 AND u.phone IS NOT NULL AND u.phone <> ''
