-- Staff and admin accounts managed by the admins (DESIGN 4a): an account can
-- be disabled (its sessions end, it cannot sign in) without losing its
-- history; the audit trail keeps naming it.
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1));
-- The audit trail read newest first, whole or by kind or by user.
CREATE INDEX IF NOT EXISTS audit_log_newest ON audit_log(id DESC);
