-- bioskop schema. Instants are INTEGER milliseconds since the Unix epoch (UTC);
-- statuses are lowercase words as they appear in the HTTP API.
-- Tables keyed by random UUIDs keep SQLite's rowid and a UNIQUE id: as
-- WITHOUT ROWID tables their rows scatter over the whole B-tree, and a sweep
-- expiring 50,000 bookings rewrote every page many times (17x slower).

CREATE TABLE server_secrets (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE cities (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE cinemas (
    id      INTEGER PRIMARY KEY,
    city_id INTEGER NOT NULL REFERENCES cities(id),
    name    TEXT NOT NULL,
    address TEXT NOT NULL
);
CREATE INDEX cinemas_by_city ON cinemas(city_id);

CREATE TABLE auditoriums (
    id        INTEGER PRIMARY KEY,
    cinema_id INTEGER NOT NULL REFERENCES cinemas(id),
    name      TEXT NOT NULL,
    UNIQUE (cinema_id, name)
);

-- The physical seats of an auditorium; grid_row/grid_col place them on the map
-- (gaps are aisles). A couple seat is one seat sold to two people.
CREATE TABLE auditorium_seats (
    auditorium_id INTEGER NOT NULL REFERENCES auditoriums(id),
    seat_id       TEXT NOT NULL,
    row_label     TEXT NOT NULL,
    number        INTEGER NOT NULL,
    class         TEXT NOT NULL,
    grid_row      INTEGER NOT NULL,
    grid_col      INTEGER NOT NULL,
    PRIMARY KEY (auditorium_id, seat_id)
) WITHOUT ROWID;

CREATE TABLE movies (
    id               INTEGER PRIMARY KEY,
    title            TEXT NOT NULL,
    synopsis         TEXT NOT NULL DEFAULT '',
    duration_minutes INTEGER NOT NULL,
    rating           TEXT NOT NULL,
    genres           TEXT NOT NULL DEFAULT '',
    language         TEXT NOT NULL DEFAULT ''
);

CREATE TABLE showtimes (
    id            INTEGER PRIMARY KEY,
    movie_id      INTEGER NOT NULL REFERENCES movies(id),
    auditorium_id INTEGER NOT NULL REFERENCES auditoriums(id),
    starts_at     INTEGER NOT NULL,
    ends_at       INTEGER NOT NULL,
    status        TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
    cancelled_at  INTEGER,
    cancel_reason TEXT
);
CREATE INDEX showtimes_by_auditorium_time ON showtimes(auditorium_id, starts_at);
CREATE INDEX showtimes_by_movie_time ON showtimes(movie_id, starts_at);
CREATE INDEX showtimes_by_time ON showtimes(starts_at);

CREATE TABLE showtime_prices (
    showtime_id INTEGER NOT NULL REFERENCES showtimes(id),
    class       TEXT NOT NULL,
    amount      INTEGER NOT NULL CHECK (amount >= 0),
    PRIMARY KEY (showtime_id, class)
) WITHOUT ROWID;

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    name          TEXT NOT NULL,
    phone         TEXT,
    role          TEXT NOT NULL DEFAULT 'customer' CHECK (role IN ('customer', 'staff', 'admin')),
    created_at    INTEGER NOT NULL
);

-- Only the SHA-256 of a session token is stored: a leaked database logs nobody in.
CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_by_user ON sessions(user_id);

CREATE TABLE bookings (
    id          TEXT NOT NULL UNIQUE,
    showtime_id INTEGER NOT NULL REFERENCES showtimes(id),
    user_id     INTEGER NOT NULL REFERENCES users(id),
    status      TEXT NOT NULL CHECK (status IN ('held', 'awaiting_payment', 'paid', 'expired',
                    'released', 'payment_failed', 'voided', 'refunded')),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX bookings_by_user ON bookings(user_id, created_at);
-- A showtime's expiry finds its own due bookings; with the status/expiry index
-- alone SQLite would walk every showtime's due bookings for each showtime.
CREATE INDEX bookings_by_showtime_status_expiry ON bookings(showtime_id, status, expires_at);

-- The seats a booking asked for, with the price when it locked them; kept after
-- the booking ends so its summary stays readable.
CREATE TABLE booking_seats (
    booking_id TEXT NOT NULL REFERENCES bookings(id),
    seat_id    TEXT NOT NULL,
    class      TEXT NOT NULL,
    price      INTEGER NOT NULL,
    position   INTEGER NOT NULL,
    PRIMARY KEY (booking_id, seat_id)
) WITHOUT ROWID;

-- One row per seat that is not available. The primary key is the last line of
-- defence against a seat with two owners, whatever happens in memory.
CREATE TABLE seat_occupancy (
    showtime_id  INTEGER NOT NULL REFERENCES showtimes(id),
    seat_id      TEXT NOT NULL,
    booking_id   TEXT NOT NULL REFERENCES bookings(id),
    state        TEXT NOT NULL CHECK (state IN ('locked', 'sold')),
    locked_until INTEGER,
    PRIMARY KEY (showtime_id, seat_id)
) WITHOUT ROWID;
CREATE INDEX seat_occupancy_by_booking ON seat_occupancy(booking_id);

CREATE TABLE payments (
    id            TEXT NOT NULL UNIQUE,
    booking_id    TEXT NOT NULL REFERENCES bookings(id),
    provider      TEXT NOT NULL,
    amount        INTEGER NOT NULL,
    currency      TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'expired', 'voided')),
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    completed_at  INTEGER,
    -- Set when money was taken but no seat could be given for it (a success that
    -- came after the hold expired and the seat was resold, or after cancellation).
    refund_reason TEXT
);
CREATE INDEX payments_by_booking ON payments(booking_id);
CREATE INDEX payments_needing_refund ON payments(refund_reason) WHERE refund_reason IS NOT NULL;

CREATE TABLE tickets (
    id            TEXT NOT NULL UNIQUE,
    booking_id    TEXT NOT NULL REFERENCES bookings(id),
    showtime_id   INTEGER NOT NULL REFERENCES showtimes(id),
    seat_id       TEXT NOT NULL,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    payment_id    TEXT NOT NULL REFERENCES payments(id),
    price         INTEGER NOT NULL,
    purchased_at  INTEGER NOT NULL,
    status        TEXT NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'used', 'refunded')),
    checkin_code  TEXT NOT NULL UNIQUE,
    checked_in_at INTEGER
);
CREATE INDEX tickets_by_user ON tickets(user_id, purchased_at);
CREATE INDEX tickets_by_booking ON tickets(booking_id);
CREATE UNIQUE INDEX tickets_one_live_per_seat ON tickets(showtime_id, seat_id) WHERE status IN ('valid', 'used');
