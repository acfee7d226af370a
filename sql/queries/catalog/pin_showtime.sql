INSERT INTO showtime_seats (showtime_id, seat_id, row_label, number, class, grid_row, grid_col)
SELECT ?1, seat_id, row_label, number, class, grid_row, grid_col
FROM auditorium_seats
WHERE auditorium_id = ?2
