INSERT INTO movies (title, synopsis, duration_minutes, rating, genres, language, poster_url)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
