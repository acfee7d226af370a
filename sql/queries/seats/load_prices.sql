SELECT class, amount FROM showtime_prices WHERE showtime_id = ?1
