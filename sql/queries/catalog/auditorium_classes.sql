-- The seat classes an auditorium's current layout has.
SELECT DISTINCT class FROM auditorium_seats WHERE auditorium_id = ?1 ORDER BY class
