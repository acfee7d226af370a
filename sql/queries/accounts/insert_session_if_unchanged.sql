-- A sign-in's session, only if the password it proved is still the
-- account's and the account is not disabled: a password reset or a disable
-- that committed while the hash was being checked wins.
INSERT INTO sessions (token_hash, user_id, created_at, expires_at)
SELECT ?1, id, ?3, ?4 FROM users WHERE id = ?2 AND password_hash = ?5 AND disabled = 0
