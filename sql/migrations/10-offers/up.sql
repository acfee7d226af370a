-- The cancelled-showtime offer (DESIGN 4c): a paying customer may move to
-- another showtime instead of taking the refund. New states: bookings
-- `moved`, refunds `offered` and `withdrawn`, tickets `moved`.
--
-- SQLite cannot change a CHECK constraint in place, so the three tables are
-- rebuilt by the procedure of https://www.sqlite.org/lang_altertable.html
-- ("Making Other Kinds Of Table Schema Changes"): create the new table,
-- copy, drop the old one, rename the new one to the old name, recreate the
-- indexes. `Store::open` runs migrations with foreign keys off and checks
-- them (PRAGMA foreign_key_check) before it turns them back on, as that
-- procedure requires; the other tables' references name the table, so they
-- point at the new one after the rename. No view or trigger reads these
-- tables.

CREATE TABLE new_bookings (
    id          TEXT NOT NULL UNIQUE,
    showtime_id INTEGER NOT NULL REFERENCES showtimes(id),
    user_id     INTEGER NOT NULL REFERENCES users(id),
    status      TEXT NOT NULL CHECK (status IN ('held', 'awaiting_payment', 'paid', 'expired',
                    'released', 'payment_failed', 'voided', 'refunded', 'moved')),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
INSERT INTO new_bookings (rowid, id, showtime_id, user_id, status, created_at, expires_at, updated_at)
SELECT rowid, id, showtime_id, user_id, status, created_at, expires_at, updated_at FROM bookings;
DROP TABLE bookings;
ALTER TABLE new_bookings RENAME TO bookings;
CREATE INDEX bookings_by_user ON bookings(user_id, created_at);
CREATE INDEX bookings_by_showtime_status_expiry ON bookings(showtime_id, status, expires_at);

CREATE TABLE new_refunds (
    id                TEXT NOT NULL UNIQUE,
    payment_id        TEXT NOT NULL UNIQUE REFERENCES payments(id),
    booking_id        TEXT NOT NULL REFERENCES bookings(id),
    user_id           INTEGER NOT NULL REFERENCES users(id),
    showtime_id       INTEGER NOT NULL REFERENCES showtimes(id),
    amount            INTEGER NOT NULL CHECK (amount >= 0),
    currency          TEXT NOT NULL,
    reason            TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('offered', 'pending', 'retrying', 'succeeded',
                          'failed', 'resolved', 'withdrawn')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    extra_attempts    INTEGER NOT NULL DEFAULT 0,
    last_error        TEXT,
    last_attempt_at   INTEGER,
    idempotency_key   TEXT NOT NULL UNIQUE,
    gateway_reference TEXT,
    resolution_note   TEXT,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    completed_at      INTEGER
);
INSERT INTO new_refunds (rowid, id, payment_id, booking_id, user_id, showtime_id, amount, currency,
                         reason, status, attempts, extra_attempts, last_error, last_attempt_at,
                         idempotency_key, gateway_reference, resolution_note, created_at,
                         updated_at, completed_at)
SELECT rowid, id, payment_id, booking_id, user_id, showtime_id, amount, currency,
       reason, status, attempts, extra_attempts, last_error, last_attempt_at,
       idempotency_key, gateway_reference, resolution_note, created_at,
       updated_at, completed_at
FROM refunds;
DROP TABLE refunds;
ALTER TABLE new_refunds RENAME TO refunds;
CREATE INDEX refunds_by_status ON refunds(status, created_at);
CREATE INDEX refunds_by_showtime ON refunds(showtime_id);

CREATE TABLE new_tickets (
    id            TEXT NOT NULL UNIQUE,
    booking_id    TEXT NOT NULL REFERENCES bookings(id),
    showtime_id   INTEGER NOT NULL REFERENCES showtimes(id),
    seat_id       TEXT NOT NULL,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    payment_id    TEXT NOT NULL REFERENCES payments(id),
    price         INTEGER NOT NULL,
    purchased_at  INTEGER NOT NULL,
    status        TEXT NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'used', 'refunded', 'moved')),
    checkin_code  TEXT NOT NULL UNIQUE,
    checked_in_at INTEGER
);
INSERT INTO new_tickets (rowid, id, booking_id, showtime_id, seat_id, user_id, payment_id, price,
                         purchased_at, status, checkin_code, checked_in_at)
SELECT rowid, id, booking_id, showtime_id, seat_id, user_id, payment_id, price,
       purchased_at, status, checkin_code, checked_in_at
FROM tickets;
DROP TABLE tickets;
ALTER TABLE new_tickets RENAME TO tickets;
CREATE INDEX tickets_by_user ON tickets(user_id, purchased_at);
CREATE INDEX tickets_by_booking ON tickets(booking_id);
CREATE UNIQUE INDEX tickets_one_live_per_seat ON tickets(showtime_id, seat_id) WHERE status IN ('valid', 'used');
CREATE INDEX tickets_by_showtime ON tickets(showtime_id, status);
CREATE INDEX tickets_by_payment ON tickets(payment_id);

-- A moved booking's own payment row carries no new money: `paid_by` names
-- the payment that took it, whose gateway order a refund goes back through.
ALTER TABLE payments ADD COLUMN paid_by TEXT REFERENCES payments(id);

-- One offer per paid booking of a showtime cancelled with `offer_move`.
-- The decision is written here before anything else changes: `refund`
-- together with the refund it releases; `move` first, with the seats and
-- the new booking's id, then the target showtime's actor sells the seats
-- and withdraws the refund in one savepoint (`moved_at`). A move decided
-- but not done (a crash, a failed write) is taken up again by the minute
-- job; one refused (the seats were taken) is undone and the offer stands.
CREATE TABLE offers (
    booking_id       TEXT PRIMARY KEY REFERENCES bookings(id),
    refund_id        TEXT NOT NULL UNIQUE REFERENCES refunds(id),
    user_id          INTEGER NOT NULL REFERENCES users(id),
    showtime_id      INTEGER NOT NULL REFERENCES showtimes(id),
    -- Target showtimes must start before this.
    move_until       INTEGER NOT NULL,
    -- Undecided at this instant: the refund goes ahead by itself.
    decide_by        INTEGER NOT NULL,
    decision         TEXT CHECK (decision IN ('move', 'refund')),
    decided_by       TEXT CHECK (decided_by IN ('customer', 'timeout')),
    decided_at       INTEGER,
    move_showtime_id INTEGER REFERENCES showtimes(id),
    move_seats       TEXT,
    move_booking_id  TEXT,
    moved_at         INTEGER,
    created_at       INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX offers_undecided ON offers(decide_by) WHERE decision IS NULL;
CREATE INDEX offers_moving ON offers(decided_at) WHERE decision = 'move' AND moved_at IS NULL;
CREATE INDEX offers_by_showtime ON offers(showtime_id);
CREATE INDEX offers_by_move_booking ON offers(move_booking_id) WHERE move_booking_id IS NOT NULL;
