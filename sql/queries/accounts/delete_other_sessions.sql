-- Every session of an account but the one in use.
DELETE FROM sessions WHERE user_id = ?1 AND token_hash <> ?2
