-- One account's entries of one kind, newest first (index audit_log_by_user).
SELECT a.id, a.at, a.user_id, u.email, a.kind, a.target, a.before, a.after, a.changed
FROM audit_log a LEFT JOIN users u ON u.id = a.user_id
WHERE a.user_id = ?3 AND a.kind = ?4 AND a.id < ?1
ORDER BY a.id DESC
LIMIT ?2
