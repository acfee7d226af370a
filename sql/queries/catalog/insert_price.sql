INSERT INTO showtime_prices (showtime_id, class, amount) VALUES (?1, ?2, ?3)
