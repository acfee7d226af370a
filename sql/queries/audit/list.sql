-- The trail newest first, a page before an id (a rowid range).
SELECT a.id, a.at, a.user_id, u.email, a.kind, a.target, a.before, a.after, a.changed
FROM audit_log a LEFT JOIN users u ON u.id = a.user_id
WHERE a.id < ?1
ORDER BY a.id DESC
LIMIT ?2
