-- Whether the showtime has its own pinned seats, and its auditorium's layout version.
SELECT EXISTS (SELECT 1 FROM showtime_seats WHERE showtime_id = ?1), a.layout_version
FROM auditoriums a
WHERE a.id = ?2
