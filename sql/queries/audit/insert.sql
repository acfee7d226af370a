INSERT INTO audit_log (at, user_id, kind, target, before, after, changed)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
