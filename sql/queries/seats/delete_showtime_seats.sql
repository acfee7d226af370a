-- A showtime's pinned copy of its seats, when the showtime is deleted.
DELETE FROM showtime_seats WHERE showtime_id = ?1
