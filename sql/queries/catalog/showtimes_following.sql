-- Showtimes of the auditorium that have no pinned seats: they use its layout.
SELECT s.id, s.status FROM showtimes s
WHERE s.auditorium_id = ?1
  AND NOT EXISTS (SELECT 1 FROM showtime_seats p WHERE p.showtime_id = s.id)
ORDER BY s.id
