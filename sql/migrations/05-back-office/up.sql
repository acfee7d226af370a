-- The operator's back office: the audit trail of admin writes, cinemas in
-- their own time zones, and movies with posters that can be archived.

-- Every admin write, in the same transaction as the change: who, what,
-- which thing, before and after (JSON) where it applies, and whether it
-- changed anything (a repeated idempotent action records `changed = 0`).
-- Instants are UTC milliseconds like everywhere else.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    user_id   INTEGER REFERENCES users(id),
    kind      TEXT NOT NULL,
    target    TEXT NOT NULL,
    before    TEXT,
    after     TEXT,
    changed   INTEGER NOT NULL DEFAULT 1 CHECK (changed IN (0, 1))
);
CREATE INDEX audit_log_by_user ON audit_log(user_id, id);
CREATE INDEX audit_log_by_kind ON audit_log(kind, id);

-- An IANA name (Asia/Jakarta, Asia/Makassar, Asia/Jayapura): local dates and
-- the offsets of a cinema's times come from it.
ALTER TABLE cinemas ADD COLUMN timezone TEXT NOT NULL DEFAULT 'Asia/Jakarta';

ALTER TABLE movies ADD COLUMN poster_url TEXT;
-- A movie with showtimes is archived, never deleted; archived movies are not
-- offered to customers.
ALTER TABLE movies ADD COLUMN archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1));
