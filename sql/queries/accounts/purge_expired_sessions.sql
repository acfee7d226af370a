-- Sessions past their expiry log nobody in: their rows go.
DELETE FROM sessions WHERE expires_at <= ?1
