-- A showtime with the movie, auditorium and cinema it is of: the join that
-- booking summaries, payment pages, tickets, e-tickets and messages all
-- spell out. Every showtime has all three (NOT NULL foreign keys), so the
-- view has exactly one row per showtime; SQLite flattens it into the
-- queries that use it.
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
       c.address       AS cinema_address
FROM showtimes s
JOIN movies m ON m.id = s.movie_id
JOIN auditoriums a ON a.id = s.auditorium_id
JOIN cinemas c ON c.id = a.cinema_id;
