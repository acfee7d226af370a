-- A showtime's prices, when the showtime is deleted.
DELETE FROM showtime_prices WHERE showtime_id = ?1
