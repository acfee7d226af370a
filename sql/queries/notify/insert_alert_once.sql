-- An alert about one thing (its subject names it) is raised once.
INSERT INTO admin_alerts (kind, subject, message, created_at)
SELECT ?1, ?2, ?3, ?4
WHERE NOT EXISTS (SELECT 1 FROM admin_alerts WHERE kind = ?1 AND subject = ?2)
