-- Each showtime starting in a window (wider than the asked local days: each
-- cinema's days are cut from it by its own zone) with what it sold. A
-- ticket counts once it is issued, refunded or not; refunded money is that
-- of refunds that succeeded or were resolved by hand and that paid back
-- tickets (a late payment refunded at once bought none: in neither). A
-- ticket moved to another showtime (DESIGN 4c) counts there only: its new
-- ticket carries the price paid.
SELECT v.showtime_id, v.movie_id, v.movie_title, v.auditorium, v.cinema, v.timezone, v.starts_at,
       COALESCE((SELECT COUNT(*) FROM showtime_seats p WHERE p.showtime_id = v.showtime_id HAVING COUNT(*) > 0),
                (SELECT COUNT(*) FROM auditorium_seats x WHERE x.auditorium_id = v.auditorium_id)),
       (SELECT COUNT(*) FROM tickets t WHERE t.showtime_id = v.showtime_id AND t.status <> 'moved'),
       (SELECT COALESCE(SUM(t.price), 0) FROM tickets t
         WHERE t.showtime_id = v.showtime_id AND t.status <> 'moved'),
       (SELECT COALESCE(SUM(r.amount), 0) FROM refunds r
         WHERE r.showtime_id = v.showtime_id AND r.status IN ('succeeded', 'resolved')
           AND EXISTS (SELECT 1 FROM tickets t WHERE t.payment_id = r.payment_id))
FROM showtime_places v
WHERE v.starts_at >= ?1 AND v.starts_at < ?2 AND (?3 IS NULL OR v.cinema_id = ?3)
ORDER BY v.starts_at, v.showtime_id
