-- Showtimes of the auditorium that keep the layout they had when it is
-- edited: not pinned yet, and with any booking (whatever its status: the
-- seats of an expired or cancelled booking are still its history) or any
-- blocked seat. Cancelled showtimes too: they are still loaded and shown.
SELECT s.id FROM showtimes s
WHERE s.auditorium_id = ?1
  AND NOT EXISTS (SELECT 1 FROM showtime_seats p WHERE p.showtime_id = s.id)
  AND (EXISTS (SELECT 1 FROM bookings b WHERE b.showtime_id = s.id)
       OR EXISTS (SELECT 1 FROM blocked_seats x WHERE x.showtime_id = s.id))
ORDER BY s.id
