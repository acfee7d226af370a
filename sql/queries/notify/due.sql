SELECT id, channel, recipient, kind, data, attempts
FROM notifications
WHERE status = 'pending' AND next_attempt_at <= ?1
ORDER BY next_attempt_at, id
LIMIT ?2
