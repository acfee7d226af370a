SELECT id, channel, recipient, user_id, kind, subject, data, status, attempts, last_error,
       created_at, sent_at
FROM notifications
WHERE (?1 IS NULL OR status = ?1)
ORDER BY id DESC
LIMIT ?2
