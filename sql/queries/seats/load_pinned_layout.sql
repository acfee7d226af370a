SELECT seat_id, row_label, number, class, grid_row, grid_col
FROM showtime_seats
WHERE showtime_id = ?1
ORDER BY grid_row, grid_col
