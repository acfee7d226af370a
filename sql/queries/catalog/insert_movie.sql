INSERT INTO movies (title, synopsis, duration_minutes, rating, genres, language)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)
