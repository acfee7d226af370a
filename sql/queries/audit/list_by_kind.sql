-- One kind of entry, newest first (index audit_log_by_kind).
SELECT a.id, a.at, a.user_id, u.email, a.kind, a.target, a.before, a.after, a.changed
FROM audit_log a LEFT JOIN users u ON u.id = a.user_id
WHERE a.kind = ?3 AND a.id < ?1
ORDER BY a.id DESC
LIMIT ?2
