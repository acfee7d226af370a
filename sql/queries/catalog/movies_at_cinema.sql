SELECT m.id, m.title, m.synopsis, m.duration_minutes, m.rating, m.genres, m.language,
       m.poster_url, m.archived,
       COUNT(s.id) AS showtimes
FROM showtimes s
JOIN auditoriums a ON a.id = s.auditorium_id
JOIN movies m ON m.id = s.movie_id
WHERE a.cinema_id = ?1 AND s.starts_at >= ?2 AND s.starts_at < ?3 AND s.status = 'scheduled'
  AND m.archived = 0
GROUP BY m.id
ORDER BY m.title
