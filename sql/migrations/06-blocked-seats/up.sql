-- Seats an admin took off sale for one showtime (a broken seat, house seats
-- for staff or press). A blocked seat is neither held nor sold: it has no
-- row in seat_occupancy while it is blocked. Cancelling the showtime keeps
-- its blocks; expiry never touches them. Instants are UTC milliseconds.
CREATE TABLE blocked_seats (
    showtime_id INTEGER NOT NULL REFERENCES showtimes(id),
    seat_id     TEXT NOT NULL,
    reason      TEXT NOT NULL,
    blocked_at  INTEGER NOT NULL,
    blocked_by  INTEGER REFERENCES users(id),
    PRIMARY KEY (showtime_id, seat_id)
) WITHOUT ROWID;
