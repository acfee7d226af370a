-- The trail newest first, a page before an id, of one user or one kind.
SELECT a.id, a.at, a.user_id, u.email, a.kind, a.target, a.before, a.after, a.changed
FROM audit_log a LEFT JOIN users u ON u.id = a.user_id
WHERE (?1 IS NULL OR a.id < ?1) AND (?2 IS NULL OR a.user_id = ?2) AND (?3 IS NULL OR a.kind = ?3)
ORDER BY a.id DESC
LIMIT ?4
