SELECT id, kind, subject, message, created_at FROM admin_alerts ORDER BY created_at DESC, id DESC LIMIT ?1
