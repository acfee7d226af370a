INSERT OR IGNORE INTO server_secrets (name, value) VALUES (?1, ?2)
