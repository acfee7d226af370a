SELECT s.id, s.status, s.starts_at, s.ends_at, s.cancel_reason,
       m.id, m.title, m.synopsis, m.duration_minutes, m.rating, m.genres, m.language,
       m.poster_url, m.archived,
       c.id, c.city_id, c.name, c.address, c.timezone,
       ci.name, a.id, a.name,
       COALESCE((SELECT COUNT(*) FROM showtime_seats p WHERE p.showtime_id = s.id HAVING COUNT(*) > 0),
                (SELECT COUNT(*) FROM auditorium_seats x WHERE x.auditorium_id = a.id)) AS seats_total
FROM showtimes s
JOIN movies m ON m.id = s.movie_id
JOIN auditoriums a ON a.id = s.auditorium_id
JOIN cinemas c ON c.id = a.cinema_id
JOIN cities ci ON ci.id = c.city_id
WHERE s.id = ?1
