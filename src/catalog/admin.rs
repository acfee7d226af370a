//! The back office's writes to the catalog: cities, cinemas (each in its
//! own IANA time zone) and movies (archived, never deleted). Every field is
//! validated here (422 `invalid_fields` naming the fields), and every write
//! records its audit row in the same transaction as the change.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;

use super::{Catalog, Cinema, City, Movie, cinema_row, cinemas, cities, movie_from};
use crate::{
    audit::{self, Entry},
    clock::to_millis,
    error::{AppError, AppResult, FieldError},
    ids::UserId,
};

/// The LSF classes a movie is rated in.
pub const RATINGS: [&str; 4] = ["SU", "13+", "17+", "21+"];

/// `POST /admin/cities`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCity {
    /// 1 to 100 characters, not only spaces; unique (ignoring case).
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: String,
}

/// `PATCH /admin/cities/{id}`: what is left out stays as it is.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CityPatch {
    /// 1 to 100 characters, not only spaces; unique (ignoring case).
    #[serde(default, deserialize_with = "crate::fields::present")]
    #[schema(value_type = String, min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: Option<String>,
}

/// `POST /admin/cinemas`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCinema {
    /// An existing city (422 `unknown_city` otherwise).
    pub city_id: i64,
    /// 1 to 100 characters, not only spaces; unique in its city (ignoring case).
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: String,
    /// 1 to 300 characters, not only spaces.
    #[schema(min_length = 1, max_length = 300, pattern = r"\S")]
    pub address: String,
    /// An IANA time zone; `catalog.default_timezone` when left out.
    #[serde(default, deserialize_with = "crate::fields::present")]
    #[schema(schema_with = timezone_schema)]
    pub timezone: Option<String>,
}

/// `PATCH /admin/cinemas/{id}`: what is left out stays as it is.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CinemaPatch {
    /// Moves the cinema to another existing city.
    #[serde(default, deserialize_with = "crate::fields::present")]
    #[schema(value_type = i64)]
    pub city_id: Option<i64>,
    #[serde(default, deserialize_with = "crate::fields::present")]
    #[schema(value_type = String, min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::fields::present")]
    #[schema(value_type = String, min_length = 1, max_length = 300, pattern = r"\S")]
    pub address: Option<String>,
    #[serde(default, deserialize_with = "crate::fields::present")]
    #[schema(schema_with = timezone_schema)]
    pub timezone: Option<String>,
}

/// `POST /admin/movies`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMovie {
    /// 1 to 200 characters, not only spaces.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub title: String,
    /// Up to 5000 characters.
    #[schema(max_length = 5000)]
    pub synopsis: String,
    #[schema(minimum = 1, maximum = 600)]
    pub duration_minutes: i64,
    /// An LSF class.
    #[schema(schema_with = rating_schema)]
    pub rating: String,
    /// 1 to 10 short words (1 to 30 characters, no comma).
    #[schema(schema_with = genres_schema)]
    pub genres: Vec<String>,
    /// 1 to 50 characters, not only spaces.
    #[schema(min_length = 1, max_length = 50, pattern = r"\S")]
    pub language: String,
    /// An https URL; empty or left out for none.
    #[serde(default, deserialize_with = "crate::fields::present")]
    #[schema(value_type = String, max_length = 2000, pattern = r"^(https://\S+)?$")]
    pub poster_url: Option<String>,
}

/// `PATCH /admin/movies/{id}`: what is left out stays as it is.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoviePatch {
    #[serde(default, deserialize_with = "crate::fields::present")]
    #[schema(value_type = String, min_length = 1, max_length = 200, pattern = r"\S")]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "crate::fields::present")]
    #[schema(value_type = String, max_length = 5000)]
    pub synopsis: Option<String>,
    #[serde(default, deserialize_with = "crate::fields::present")]
    #[schema(value_type = i64, minimum = 1, maximum = 600)]
    pub duration_minutes: Option<i64>,
    #[serde(default, deserialize_with = "crate::fields::present")]
    #[schema(schema_with = rating_schema)]
    pub rating: Option<String>,
    #[serde(default, deserialize_with = "crate::fields::present")]
    #[schema(schema_with = genres_schema)]
    pub genres: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::fields::present")]
    #[schema(value_type = String, min_length = 1, max_length = 50, pattern = r"\S")]
    pub language: Option<String>,
    /// An https URL; empty removes the poster.
    #[serde(default, deserialize_with = "crate::fields::present")]
    #[schema(value_type = String, max_length = 2000, pattern = r"^(https://\S+)?$")]
    pub poster_url: Option<String>,
    /// `true` takes the movie off the customers' lists (a movie is never deleted).
    #[serde(default, deserialize_with = "crate::fields::present")]
    #[schema(value_type = bool)]
    pub archived: Option<bool>,
}

pub fn timezone_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::{ObjectBuilder, schema::Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("An IANA time zone, like `Asia/Makassar`."))
        .enum_values(Some(chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name())))
        .into()
}

pub fn rating_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::{ObjectBuilder, schema::Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("An LSF class: `SU`, `13+`, `17+` or `21+`."))
        .enum_values(Some(RATINGS))
        .into()
}

pub fn genres_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::{ArrayBuilder, ObjectBuilder, schema::Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(GENRE_MAX))
                .pattern(Some(r"^[^,]*[^,\s][^,]*$")),
        )
        .min_items(Some(1))
        .max_items(Some(10))
        .description(Some("1 to 10 short words (1 to 30 characters, no comma)."))
        .into()
}

const GENRE_MAX: usize = 30;

/// White space as the `\S` of the document's patterns means it to the
/// fuzzer that checks the server against them (Python's `str.isspace`:
/// Rust's white space and the separators U+001C to U+001F), so a value the
/// document allows is never refused as blank, nor the reverse.
fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Collects the refused fields of one request.
#[derive(Default)]
pub(super) struct Check {
    errors: Vec<FieldError>,
}

impl Check {
    /// `text` trimmed, when it has 1 to `max` characters (counted before trimming).
    pub(super) fn text(&mut self, field: &str, text: &str, max: usize) -> String {
        let trimmed = text.trim_matches(is_space);
        if trimmed.is_empty() || text.chars().count() > max {
            self.errors.push(FieldError::new(
                field,
                format!("must be 1 to {max} characters, not only spaces"),
            ));
        }
        trimmed.to_string()
    }

    fn synopsis(&mut self, text: &str) -> String {
        if text.chars().count() > 5000 {
            self.errors.push(FieldError::new(
                "synopsis",
                "must be at most 5000 characters",
            ));
        }
        text.trim_matches(is_space).to_string()
    }

    fn timezone(&mut self, text: &str) -> String {
        match text.parse::<chrono_tz::Tz>() {
            Ok(tz) => tz.name().to_string(),
            Err(_) => {
                self.errors.push(FieldError::new(
                    "timezone",
                    "must be an IANA time zone, like Asia/Jakarta or Asia/Makassar",
                ));
                text.to_string()
            }
        }
    }

    fn duration(&mut self, minutes: i64) -> i64 {
        if !(1..=600).contains(&minutes) {
            self.errors.push(FieldError::new(
                "duration_minutes",
                "must be 1 to 600 minutes",
            ));
        }
        minutes
    }

    fn rating(&mut self, rating: &str) -> String {
        if !RATINGS.contains(&rating) {
            self.errors.push(FieldError::new(
                "rating",
                "must be one of SU, 13+, 17+, 21+",
            ));
        }
        rating.to_string()
    }

    fn genres(&mut self, genres: &[String]) -> Vec<String> {
        let words: Vec<String> = genres
            .iter()
            .map(|g| g.trim_matches(is_space).to_string())
            .collect();
        let bad_word = genres.iter().zip(&words).any(|(raw, word)| {
            word.is_empty() || raw.contains(',') || raw.chars().count() > GENRE_MAX
        });
        if words.is_empty() || words.len() > 10 || bad_word {
            self.errors.push(FieldError::new(
                "genres",
                format!("must be 1 to 10 words of 1 to {GENRE_MAX} characters, without commas"),
            ));
        }
        words
    }

    /// `None` for an empty URL (no poster).
    fn poster(&mut self, url: &str) -> Option<String> {
        if url.is_empty() {
            return None;
        }
        let ok = url.chars().count() <= 2000
            && url
                .strip_prefix("https://")
                .is_some_and(|rest| !rest.is_empty() && !rest.chars().any(is_space));
        if !ok {
            self.errors.push(FieldError::new(
                "poster_url",
                "must be an https:// URL (up to 2000 characters)",
            ));
        }
        Some(url.to_string())
    }

    pub(super) fn done(self) -> AppResult<()> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation {
                code: "invalid_fields",
                detail: "some fields are invalid".into(),
                errors: self.errors,
            })
        }
    }
}

fn city(conn: &Connection, id: i64) -> AppResult<City> {
    conn.prepare_cached(query!("catalog/city"))?
        .query_row(params![id], |r| {
            Ok(City {
                id: r.get(0)?,
                name: r.get(1)?,
            })
        })
        .optional()?
        .ok_or(AppError::NotFound("city"))
}

pub(super) fn cinema(conn: &Connection, id: i64) -> AppResult<Cinema> {
    conn.prepare_cached(query!("catalog/cinema"))?
        .query_row(params![id], cinema_row)
        .optional()?
        .ok_or(AppError::NotFound("cinema"))
}

fn movie(conn: &Connection, id: i64) -> AppResult<Movie> {
    conn.prepare_cached(query!("catalog/movie"))?
        .query_row(params![id], |r| movie_from(r, 0))
        .optional()?
        .ok_or(AppError::NotFound("movie"))
}

fn movies(conn: &Connection) -> AppResult<Vec<Movie>> {
    Ok(conn
        .prepare_cached(query!("catalog/movies"))?
        .query_map([], |r| movie_from(r, 0))?
        .collect::<Result<_, _>>()?)
}

/// 409 `city_exists` when another city has this name (ignoring case).
fn unique_city(conn: &Connection, name: &str, except: Option<i64>) -> AppResult<()> {
    let other: Option<i64> = conn
        .prepare_cached(query!("catalog/city_named"))?
        .query_row(params![name, except], |r| r.get(0))
        .optional()?;
    match other {
        Some(id) => Err(AppError::conflict(
            "city_exists",
            format!("city {id} is already called {name}"),
        )),
        None => Ok(()),
    }
}

/// 409 `cinema_exists` when another cinema of the city has this name.
fn unique_cinema(
    conn: &Connection,
    city_id: i64,
    name: &str,
    except: Option<i64>,
) -> AppResult<()> {
    let other: Option<i64> = conn
        .prepare_cached(query!("catalog/cinema_named"))?
        .query_row(params![city_id, name, except], |r| r.get(0))
        .optional()?;
    match other {
        Some(id) => Err(AppError::conflict(
            "cinema_exists",
            format!("cinema {id} of this city is already called {name}"),
        )),
        None => Ok(()),
    }
}

/// 422 `unknown_city` when `city_id` names no city.
fn known_city(conn: &Connection, city_id: i64) -> AppResult<()> {
    match city(conn, city_id) {
        Err(AppError::NotFound(_)) => Err(AppError::Validation {
            code: "unknown_city",
            detail: format!("there is no city {city_id}"),
            errors: vec![FieldError::new("city_id", "must be an existing city")],
        }),
        other => other.map(|_| ()),
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> AppResult<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| AppError::Internal(e.to_string()))
}

/// How many coming (scheduled, not ended) showtimes `sql` counts for `id`.
fn upcoming(conn: &Connection, sql: &str, id: i64, now: i64) -> AppResult<i64> {
    Ok(conn
        .prepare_cached(sql)?
        .query_row(params![id, now], |r| r.get(0))?)
}

/// Records `kind` on `target` with before and after, as changed when they
/// differ. `by` is `None` only for the demo seed: nobody did that, and the
/// trail of a demo starts empty like a real cinema's.
pub(super) fn audited<T: serde::Serialize>(
    conn: &Connection,
    by: Option<UserId>,
    kind: &'static str,
    target: String,
    before: Option<&T>,
    after: &T,
    now: i64,
) -> AppResult<()> {
    let Some(by) = by else {
        return Ok(());
    };
    let after = to_json(after)?;
    let mut entry = Entry::new(Some(by), kind, target);
    if let Some(before) = before {
        let before = to_json(before)?;
        entry = entry.changed(before != after).before(before);
    }
    audit::record(conn, &entry.after(after), now)
}

/// Creates a city: the one path of the back office and the demo seed
/// (`by` is `None` for the seed, which records no audit row), validated, audited.
pub(super) fn create_city(
    conn: &Connection,
    new: &NewCity,
    by: Option<UserId>,
    now: i64,
) -> AppResult<City> {
    let mut check = Check::default();
    let name = check.text("name", &new.name, 100);
    check.done()?;
    unique_city(conn, &name, None)?;
    conn.prepare_cached(query!("catalog/insert_city"))?
        .execute(params![name])?;
    let created = city(conn, conn.last_insert_rowid())?;
    let target = format!("city:{}", created.id);
    audited(conn, by, "city.create", target, None, &created, now)?;
    Ok(created)
}

/// Creates a cinema (in `default_timezone` when the request names none), as
/// [`create_city`].
pub(super) fn create_cinema(
    conn: &Connection,
    new: &NewCinema,
    default_timezone: chrono_tz::Tz,
    by: Option<UserId>,
    now: i64,
) -> AppResult<Cinema> {
    let mut check = Check::default();
    let name = check.text("name", &new.name, 100);
    let address = check.text("address", &new.address, 300);
    let timezone = match &new.timezone {
        Some(tz) => check.timezone(tz),
        None => default_timezone.name().to_string(),
    };
    check.done()?;
    let city_id = new.city_id;
    known_city(conn, city_id)?;
    unique_cinema(conn, city_id, &name, None)?;
    conn.prepare_cached(query!("catalog/create_cinema"))?
        .execute(params![city_id, name, address, timezone])?;
    let created = cinema(conn, conn.last_insert_rowid())?;
    let target = format!("cinema:{}", created.id);
    audited(conn, by, "cinema.create", target, None, &created, now)?;
    Ok(created)
}

/// Creates a movie, as [`create_city`].
pub(super) fn create_movie(
    conn: &Connection,
    new: &NewMovie,
    by: Option<UserId>,
    now: i64,
) -> AppResult<Movie> {
    let mut check = Check::default();
    let title = check.text("title", &new.title, 200);
    let synopsis = check.synopsis(&new.synopsis);
    let duration = check.duration(new.duration_minutes);
    let rating = check.rating(&new.rating);
    let genres = check.genres(&new.genres).join(",");
    let language = check.text("language", &new.language, 50);
    let poster = new.poster_url.as_deref().and_then(|u| check.poster(u));
    check.done()?;
    conn.prepare_cached(query!("catalog/create_movie"))?
        .execute(params![
            title, synopsis, duration, rating, genres, language, poster
        ])?;
    let created = movie(conn, conn.last_insert_rowid())?;
    let target = format!("movie:{}", created.id);
    audited(conn, by, "movie.create", target, None, &created, now)?;
    Ok(created)
}

impl Catalog {
    pub(super) fn now_ms(&self) -> i64 {
        to_millis(self.clock.now())
    }

    /// Every city, with or without a cinema.
    pub async fn admin_cities(&self) -> AppResult<Vec<City>> {
        self.store.read(cities).await
    }

    pub async fn create_city(&self, new: NewCity, by: UserId) -> AppResult<City> {
        let now = self.now_ms();
        self.store
            .write(move |conn| create_city(conn, &new, Some(by), now))
            .await
    }

    pub async fn update_city(&self, id: i64, patch: CityPatch, by: UserId) -> AppResult<City> {
        let mut check = Check::default();
        let name = patch.name.map(|n| check.text("name", &n, 100));
        check.done()?;
        let now = self.now_ms();
        self.store
            .write(move |conn| {
                let before = city(conn, id)?;
                if let Some(name) = &name {
                    unique_city(conn, name, Some(id))?;
                    conn.prepare_cached(query!("catalog/update_city"))?
                        .execute(params![id, name])?;
                }
                let after = city(conn, id)?;
                let target = format!("city:{id}");
                audited(
                    conn,
                    Some(by),
                    "city.update",
                    target,
                    Some(&before),
                    &after,
                    now,
                )?;
                Ok(after)
            })
            .await
    }

    /// Every cinema.
    pub async fn admin_cinemas(&self) -> AppResult<Vec<Cinema>> {
        self.store.read(|conn| cinemas(conn, None)).await
    }

    pub async fn create_cinema(&self, new: NewCinema, by: UserId) -> AppResult<Cinema> {
        let now = self.now_ms();
        let default_timezone = self.default_timezone;
        self.store
            .write(move |conn| create_cinema(conn, &new, default_timezone, Some(by), now))
            .await
    }

    pub async fn update_cinema(
        &self,
        id: i64,
        patch: CinemaPatch,
        by: UserId,
    ) -> AppResult<Cinema> {
        let mut check = Check::default();
        let name = patch.name.map(|n| check.text("name", &n, 100));
        let address = patch.address.map(|a| check.text("address", &a, 300));
        let timezone = patch.timezone.map(|tz| check.timezone(&tz));
        check.done()?;
        let city_id = patch.city_id;
        let now = self.now_ms();
        self.store
            .write(move |conn| {
                let before = cinema(conn, id)?;
                if let Some(city_id) = city_id {
                    known_city(conn, city_id)?;
                }
                let next = Cinema {
                    id,
                    city_id: city_id.unwrap_or(before.city_id),
                    name: name.unwrap_or_else(|| before.name.clone()),
                    address: address.unwrap_or_else(|| before.address.clone()),
                    timezone: timezone.unwrap_or_else(|| before.timezone.clone()),
                };
                // Its coming showtimes were scheduled at local times of the
                // old zone (and their actors hold it): a new zone would
                // silently move every one of them by the difference.
                if next.timezone != before.timezone
                    && upcoming(conn, query!("catalog/upcoming_of_cinema"), id, now)? > 0
                {
                    return Err(AppError::conflict(
                        "cinema_has_showtimes",
                        "the cinema has coming showtimes, scheduled in its current time zone: \
                         its zone changes only when none is left (cancel or delete them first)",
                    ));
                }
                unique_cinema(conn, next.city_id, &next.name, Some(id))?;
                conn.prepare_cached(query!("catalog/update_cinema"))?
                    .execute(params![
                        id,
                        next.city_id,
                        next.name,
                        next.address,
                        next.timezone
                    ])?;
                let after = cinema(conn, id)?;
                let target = format!("cinema:{id}");
                audited(
                    conn,
                    Some(by),
                    "cinema.update",
                    target,
                    Some(&before),
                    &after,
                    now,
                )?;
                Ok(after)
            })
            .await
    }

    /// Every movie, archived ones last.
    pub async fn admin_movies(&self) -> AppResult<Vec<Movie>> {
        self.store.read(movies).await
    }

    pub async fn create_movie(&self, new: NewMovie, by: UserId) -> AppResult<Movie> {
        let now = self.now_ms();
        self.store
            .write(move |conn| create_movie(conn, &new, Some(by), now))
            .await
    }

    /// Changes a movie; `archived: true` takes it off the customers' lists
    /// (recorded as `movie.archive`, as is bringing it back).
    pub async fn update_movie(&self, id: i64, patch: MoviePatch, by: UserId) -> AppResult<Movie> {
        let mut check = Check::default();
        let title = patch.title.map(|t| check.text("title", &t, 200));
        let synopsis = patch.synopsis.map(|s| check.synopsis(&s));
        let duration = patch.duration_minutes.map(|d| check.duration(d));
        let rating = patch.rating.map(|r| check.rating(&r));
        let genres = patch.genres.map(|g| check.genres(&g));
        let language = patch.language.map(|l| check.text("language", &l, 50));
        let poster = patch.poster_url.map(|u| check.poster(&u));
        check.done()?;
        let archived = patch.archived;
        let now = self.now_ms();
        self.store
            .write(move |conn| {
                let before = movie(conn, id)?;
                // Its coming showtimes end, and leave their cleaning gap, by
                // the duration they were scheduled with.
                if duration.is_some_and(|d| d != before.duration_minutes)
                    && upcoming(conn, query!("catalog/upcoming_of_movie"), id, now)? > 0
                {
                    return Err(AppError::conflict(
                        "movie_has_showtimes",
                        "the movie has coming showtimes that end by its current duration: \
                         the duration changes only when none is left",
                    ));
                }
                let next = Movie {
                    id,
                    title: title.unwrap_or_else(|| before.title.clone()),
                    synopsis: synopsis.unwrap_or_else(|| before.synopsis.clone()),
                    duration_minutes: duration.unwrap_or(before.duration_minutes),
                    rating: rating.unwrap_or_else(|| before.rating.clone()),
                    genres: genres.unwrap_or_else(|| before.genres.clone()),
                    language: language.unwrap_or_else(|| before.language.clone()),
                    poster_url: poster.unwrap_or_else(|| before.poster_url.clone()),
                    archived: archived.unwrap_or(before.archived),
                };
                conn.prepare_cached(query!("catalog/update_movie"))?
                    .execute(params![
                        id,
                        next.title,
                        next.synopsis,
                        next.duration_minutes,
                        next.rating,
                        next.genres.join(","),
                        next.language,
                        next.poster_url,
                        next.archived,
                    ])?;
                let after = movie(conn, id)?;
                let kind = if after.archived == before.archived {
                    "movie.update"
                } else {
                    "movie.archive"
                };
                let target = format!("movie:{id}");
                audited(conn, Some(by), kind, target, Some(&before), &after, now)?;
                Ok(after)
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_trimmed_and_checked_against_their_limits() {
        let mut check = Check::default();
        assert_eq!(check.text("name", "  Makassar ", 100), "Makassar");
        assert_eq!(check.timezone("Asia/Makassar"), "Asia/Makassar");
        assert_eq!(
            check.poster("https://example.com/p.jpg").as_deref(),
            Some("https://example.com/p.jpg")
        );
        assert_eq!(check.poster(""), None);
        assert!(check.errors.is_empty());
        check.text("name", " \u{3000}\u{1f} ", 100);
        check.timezone("Asia/Nowhere");
        check.poster("http://example.com/p.jpg");
        check.rating("PG-13");
        check.duration(0);
        check.genres(&[]);
        check.genres(&["drama,comedy".to_string()]);
        let fields: Vec<_> = check.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "name",
                "timezone",
                "poster_url",
                "rating",
                "duration_minutes",
                "genres",
                "genres"
            ]
        );
    }
}
