INSERT INTO auditorium_seats (auditorium_id, seat_id, row_label, number, class, grid_row, grid_col)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
