-- Times about a cinema's showtimes, bookings and tickets are shown in that
-- cinema's own time zone (DESIGN 4a): the showtime join now carries it, so
-- every query that shows a showtime's times reads the zone from the same row.
DROP VIEW showtime_places;
CREATE VIEW showtime_places AS
SELECT s.id            AS showtime_id,
       s.status        AS status,
       s.starts_at     AS starts_at,
       s.ends_at       AS ends_at,
       s.movie_id      AS movie_id,
       m.title         AS movie_title,
       s.auditorium_id AS auditorium_id,
       a.name          AS auditorium,
       a.cinema_id     AS cinema_id,
       c.name          AS cinema,
       c.address       AS cinema_address,
       c.timezone      AS timezone
FROM showtimes s
JOIN movies m ON m.id = s.movie_id
JOIN auditoriums a ON a.id = s.auditorium_id
JOIN cinemas c ON c.id = a.cinema_id;
