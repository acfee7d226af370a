-- A disabled account's sessions log nobody in (they are also deleted).
SELECT u.id, u.email, u.name, u.phone, u.role, s.expires_at
FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.token_hash = ?1 AND u.disabled = 0
