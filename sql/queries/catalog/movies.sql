SELECT id, title, synopsis, duration_minutes, rating, genres, language, poster_url, archived
FROM movies ORDER BY archived, title, id
