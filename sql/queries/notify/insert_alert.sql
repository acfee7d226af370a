INSERT INTO admin_alerts (kind, subject, message, created_at) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT DO NOTHING
