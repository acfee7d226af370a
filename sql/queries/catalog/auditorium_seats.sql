SELECT seat_id, row_label, number, class, grid_row, grid_col
FROM auditorium_seats
WHERE auditorium_id = ?1
ORDER BY grid_row, grid_col
