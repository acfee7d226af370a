-- Auditoriums as the operator writes them (DESIGN 4a): `classes` is a JSON
-- object of one uppercase letter to a class name, `rows` a JSON array of row
-- strings from the screen backwards. The seats they make are the rows of
-- auditorium_seats. Auditoriums made before this migration (the demo seed)
-- have no written form: NULL. `layout_version` moves at every layout edit,
-- so a cached layout of an older version is never used again.
ALTER TABLE auditoriums ADD COLUMN classes TEXT;
ALTER TABLE auditoriums ADD COLUMN rows_json TEXT;
ALTER TABLE auditoriums ADD COLUMN layout_version INTEGER NOT NULL DEFAULT 0;

-- A showtime's own copy of its seats, pinned when a layout edit would move a
-- seat under a booking: when the auditorium's layout is edited, every showtime
-- of it that has any booking (whatever its status: an expired or cancelled
-- booking's seats are still its history) or a blocked seat keeps the layout it
-- had, copied here. A showtime with rows here loads them instead of the
-- auditorium's.
CREATE TABLE showtime_seats (
    showtime_id INTEGER NOT NULL REFERENCES showtimes(id),
    seat_id     TEXT NOT NULL,
    row_label   TEXT NOT NULL,
    number      INTEGER NOT NULL,
    class       TEXT NOT NULL,
    grid_row    INTEGER NOT NULL,
    grid_col    INTEGER NOT NULL,
    PRIMARY KEY (showtime_id, seat_id)
) WITHOUT ROWID;
