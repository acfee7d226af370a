-- Refunds, the outbox that carries them to the queue, admin alerts and the
-- notification outbox. Every row here is written in the same transaction as
-- the event that causes it, so a committed cancellation always has its refunds
-- and its messages, and a crash can only delay them.

-- One refund per payment that took money without giving seats for it.
CREATE TABLE refunds (
    id                TEXT NOT NULL UNIQUE,
    payment_id        TEXT NOT NULL UNIQUE REFERENCES payments(id),
    booking_id        TEXT NOT NULL REFERENCES bookings(id),
    user_id           INTEGER NOT NULL REFERENCES users(id),
    showtime_id       INTEGER NOT NULL REFERENCES showtimes(id),
    amount            INTEGER NOT NULL CHECK (amount >= 0),
    currency          TEXT NOT NULL,
    reason            TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('pending', 'retrying', 'succeeded', 'failed', 'resolved')),
    -- Gateway calls made so far. It is FAILED after `refunds.max_attempts`
    -- calls plus `extra_attempts` (an admin's retry grants another round).
    attempts          INTEGER NOT NULL DEFAULT 0,
    extra_attempts    INTEGER NOT NULL DEFAULT 0,
    last_error        TEXT,
    last_attempt_at   INTEGER,
    -- Sent with every gateway call for this refund: a repeated call (a
    -- redelivered message) is recognised by the gateway and never pays twice.
    idempotency_key   TEXT NOT NULL UNIQUE,
    gateway_reference TEXT,
    resolution_note   TEXT,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    completed_at      INTEGER
);
CREATE INDEX refunds_by_status ON refunds(status, created_at);
CREATE INDEX refunds_by_showtime ON refunds(showtime_id);

-- Every gateway call of a refund, with what came of it.
CREATE TABLE refund_attempts (
    refund_id TEXT NOT NULL REFERENCES refunds(id),
    attempt   INTEGER NOT NULL,
    at        INTEGER NOT NULL,
    outcome   TEXT NOT NULL CHECK (outcome IN ('succeeded', 'transient_error', 'permanent_error')),
    error     TEXT,
    PRIMARY KEY (refund_id, attempt)
) WITHOUT ROWID;

-- Messages waiting to be handed to the queue: "try attempt N of refund R, not
-- before `available_at`" (`delay_ms` after it was written). The relay marks a
-- row published once the broker confirmed it; the embedded queue consumes rows
-- directly and marks them done.
CREATE TABLE refund_outbox (
    id           INTEGER PRIMARY KEY,
    refund_id    TEXT NOT NULL REFERENCES refunds(id),
    attempt      INTEGER NOT NULL,
    delay_ms     INTEGER NOT NULL DEFAULT 0,
    available_at INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    published_at INTEGER
);
CREATE INDEX refund_outbox_unpublished ON refund_outbox(available_at) WHERE published_at IS NULL;
CREATE INDEX refund_outbox_by_refund ON refund_outbox(refund_id, attempt);

-- Things an admin must look at, such as a refund that needs doing by hand.
CREATE TABLE admin_alerts (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    subject    TEXT NOT NULL,
    message    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (kind, subject, created_at)
);

-- Messages to people (e-mail, WhatsApp), kept until sent. `skipped`: a
-- WhatsApp message while no WhatsApp endpoint is configured.
CREATE TABLE notifications (
    id           INTEGER PRIMARY KEY,
    channel      TEXT NOT NULL CHECK (channel IN ('email', 'whatsapp')),
    recipient    TEXT NOT NULL,
    user_id      INTEGER REFERENCES users(id),
    kind         TEXT NOT NULL,
    subject      TEXT NOT NULL,
    -- The event's facts as JSON; the notifier renders the message from them.
    data         TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    next_attempt_at INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    sent_at      INTEGER
);
CREATE INDEX notifications_due ON notifications(next_attempt_at) WHERE status = 'pending';

-- The built-in sandbox gateway's own books: the refunds it paid out, one per
-- idempotency key, and how often it was asked for each.
CREATE TABLE sandbox_refunds (
    idempotency_key TEXT PRIMARY KEY,
    payment_id      TEXT NOT NULL,
    amount          INTEGER NOT NULL,
    reference       TEXT NOT NULL UNIQUE,
    calls           INTEGER NOT NULL DEFAULT 1,
    refunded_at     INTEGER NOT NULL
) WITHOUT ROWID;

-- Payments that took money without seats before refunds existed get theirs now.
INSERT INTO refunds (id, payment_id, booking_id, user_id, showtime_id, amount, currency, reason,
                     status, idempotency_key, created_at, updated_at)
SELECT lower(hex(randomblob(16))), p.id, p.booking_id, b.user_id, b.showtime_id, p.amount,
       p.currency, p.refund_reason, 'pending', 'refund-' || p.id, p.completed_at, p.completed_at
FROM payments p JOIN bookings b ON b.id = p.booking_id
WHERE p.refund_reason IS NOT NULL AND p.status = 'succeeded';
INSERT INTO refund_outbox (refund_id, attempt, available_at, created_at)
SELECT id, 1, created_at, created_at FROM refunds;
