SELECT id, title, synopsis, duration_minutes, rating, genres, language, poster_url, archived
FROM movies WHERE id = ?1
