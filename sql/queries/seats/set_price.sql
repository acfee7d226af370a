-- A showtime's price of one seat class, new or changed (holds keep the price they were made at).
INSERT INTO showtime_prices (showtime_id, class, amount) VALUES (?1, ?2, ?3)
ON CONFLICT (showtime_id, class) DO UPDATE SET amount = excluded.amount
