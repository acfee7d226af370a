UPDATE movies SET title = ?2, synopsis = ?3, duration_minutes = ?4, rating = ?5, genres = ?6,
                  language = ?7, poster_url = ?8, archived = ?9
WHERE id = ?1
