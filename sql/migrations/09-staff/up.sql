-- Staff and admin accounts managed by the admins (DESIGN 4a): an account can
-- be disabled (its sessions end, it cannot sign in) without losing its
-- history; the audit trail keeps naming it.
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1));
-- The sales report and the door page count a showtime's tickets by status,
-- and the report asks whether a refunded payment bought tickets.
CREATE INDEX tickets_by_showtime ON tickets(showtime_id, status);
CREATE INDEX tickets_by_payment ON tickets(payment_id);
