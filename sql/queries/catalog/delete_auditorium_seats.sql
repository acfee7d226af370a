DELETE FROM auditorium_seats WHERE auditorium_id = ?1
