//! The catalog: cities, cinemas, movies and showtimes, as customers browse
//! them; the back office's writes are in [`admin`], the demo data comes
//! from [`demo`].

pub mod admin;
pub mod auditoriums;
pub mod demo;
pub mod layout;
pub mod showtimes;

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::{
    clock::{SharedClock, local_date, local_day, rfc3339, to_millis, zone},
    error::{AppError, AppResult},
    ids::ShowtimeId,
    status::ShowtimeStatus,
    store::Store,
};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct City {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Cinema {
    pub id: i64,
    pub city_id: i64,
    pub name: String,
    pub address: String,
    /// The cinema's IANA time zone (`Asia/Jakarta`, `Asia/Makassar`, `Asia/Jayapura`).
    pub timezone: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Movie {
    pub id: i64,
    pub title: String,
    pub synopsis: String,
    pub duration_minutes: i64,
    pub rating: String,
    pub genres: Vec<String>,
    pub language: String,
    /// An https URL of the poster, when there is one.
    pub poster_url: Option<String>,
    /// Archived movies are no longer offered to customers.
    pub archived: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MovieShowing {
    #[serde(flatten)]
    pub movie: Movie,
    pub showtimes: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Price {
    pub class: String,
    pub amount: i64,
    pub currency: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ShowtimeListing {
    pub id: ShowtimeId,
    pub movie_id: i64,
    pub movie_title: String,
    pub auditorium_id: i64,
    pub auditorium: String,
    pub starts_at: String,
    pub ends_at: String,
    /// The cinema's IANA time zone, whose offset the times carry.
    pub timezone: String,
    pub status: ShowtimeStatus,
    pub seats_total: i64,
    pub seats_available: i64,
    pub prices: Vec<Price>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Auditorium {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ShowtimeDetail {
    pub id: ShowtimeId,
    pub status: ShowtimeStatus,
    pub starts_at: String,
    pub ends_at: String,
    /// The cinema's IANA time zone, whose offset the times carry.
    pub timezone: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel_reason: Option<String>,
    pub movie: Movie,
    pub cinema: Cinema,
    pub city: String,
    pub auditorium: Auditorium,
    pub seats_total: i64,
    pub prices: Vec<Price>,
    pub currency: String,
}

/// Presentation settings the catalog answers with. Times come in each
/// cinema's own zone (`cinemas.timezone`), read with the rows they are about.
#[derive(Debug, Clone)]
pub struct Locale {
    pub currency: String,
}

/// The catalog as customers browse it: answers from the database, with the
/// query parameters checked here.
#[derive(Clone)]
pub struct Catalog {
    store: Store,
    clock: SharedClock,
    locale: Locale,
    /// The time zone of a cinema created without one.
    default_timezone: chrono_tz::Tz,
    /// The seat engine, told when a layout edit reaches showtimes it may have loaded.
    registry: Option<crate::seats::ShowtimeRegistry>,
}

impl Catalog {
    pub fn new(
        store: Store,
        clock: SharedClock,
        locale: Locale,
        default_timezone: chrono_tz::Tz,
    ) -> Catalog {
        Catalog {
            store,
            clock,
            locale,
            default_timezone,
            registry: None,
        }
    }

    /// Lets layout edits drop the loaded actors of the showtimes they reach.
    pub fn with_registry(mut self, registry: crate::seats::ShowtimeRegistry) -> Catalog {
        self.registry = Some(registry);
        self
    }

    #[tracing::instrument(skip_all)]
    pub async fn cities(&self) -> AppResult<Vec<City>> {
        self.store.read(cities).await
    }

    #[tracing::instrument(skip_all, fields(city_id = ?city_id))]
    pub async fn cinemas(&self, city_id: Option<i64>) -> AppResult<Vec<Cinema>> {
        self.store.read(move |c| cinemas(c, city_id)).await
    }

    /// Movies showing at a cinema on `date` (`YYYY-MM-DD`; today when absent
    /// or empty).
    #[tracing::instrument(skip_all, fields(cinema_id = %cinema_id))]
    pub async fn movies(&self, cinema_id: i64, date: Option<&str>) -> AppResult<Vec<MovieShowing>> {
        let date = date_of(date)?;
        let now = self.clock.now();
        self.store
            .read(move |c| movies_showing(c, cinema_id, date, now))
            .await
    }

    /// Showtimes at a cinema on `date` (as for [`Catalog::movies`]), of one
    /// movie or all.
    #[tracing::instrument(skip_all, fields(cinema_id = %cinema_id, movie_id = ?movie_id))]
    pub async fn showtimes(
        &self,
        cinema_id: i64,
        date: Option<&str>,
        movie_id: Option<i64>,
    ) -> AppResult<Vec<ShowtimeListing>> {
        let date = date_of(date)?;
        let locale = self.locale.clone();
        let now = self.clock.now();
        self.store
            .read(move |c| showtimes(c, &locale, cinema_id, date, movie_id, now))
            .await
    }

    #[tracing::instrument(skip_all, fields(showtime_id = %showtime_id))]
    pub async fn showtime(&self, showtime_id: ShowtimeId) -> AppResult<ShowtimeDetail> {
        let locale = self.locale.clone();
        self.store
            .read(move |c| showtime(c, &locale, showtime_id))
            .await
    }
}

/// The local calendar day a `?date=` names; `None` for the cinema's today.
fn date_of(date: Option<&str>) -> AppResult<Option<NaiveDate>> {
    match date {
        None | Some("") => Ok(None),
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| {
                AppError::validation(
                    "invalid_date",
                    format!("`{text}` is not a date like 2026-11-24"),
                )
            }),
    }
}

/// The bounds of the cinema's local `date` (its today when `None`), with its zone.
fn cinema_day(
    conn: &Connection,
    cinema_id: i64,
    date: Option<NaiveDate>,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<((i64, i64), chrono_tz::Tz)> {
    let zone = zone(&ensure_cinema(conn, cinema_id)?.timezone);
    let date = date.unwrap_or_else(|| local_date(now, zone));
    Ok((local_day(date, zone), zone))
}

fn cities(conn: &Connection) -> AppResult<Vec<City>> {
    Ok(conn
        .prepare_cached(query!("catalog/cities"))?
        .query_map([], |r| {
            Ok(City {
                id: r.get(0)?,
                name: r.get(1)?,
            })
        })?
        .collect::<Result<_, _>>()?)
}

fn cinemas(conn: &Connection, city_id: Option<i64>) -> AppResult<Vec<Cinema>> {
    Ok(conn
        .prepare_cached(query!("catalog/cinemas"))?
        .query_map(params![city_id], cinema_row)?
        .collect::<Result<_, _>>()?)
}

pub(crate) fn cinema_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Cinema> {
    Ok(Cinema {
        id: r.get(0)?,
        city_id: r.get(1)?,
        name: r.get(2)?,
        address: r.get(3)?,
        timezone: r.get(4)?,
    })
}

fn ensure_cinema(conn: &Connection, cinema_id: i64) -> AppResult<Cinema> {
    conn.prepare_cached(query!("catalog/cinema"))?
        .query_row(params![cinema_id], cinema_row)
        .optional()?
        .ok_or(AppError::NotFound("cinema"))
}

pub(crate) fn movie_from(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Movie> {
    let genres: String = r.get(first + 5)?;
    Ok(Movie {
        id: r.get(first)?,
        title: r.get(first + 1)?,
        synopsis: r.get(first + 2)?,
        duration_minutes: r.get(first + 3)?,
        rating: r.get(first + 4)?,
        genres: genres
            .split(',')
            .map(str::trim)
            .filter(|g| !g.is_empty())
            .map(String::from)
            .collect(),
        language: r.get(first + 6)?,
        poster_url: r.get(first + 7)?,
        archived: r.get(first + 8)?,
    })
}

/// Movies with at least one scheduled showtime at the cinema on `date`.
fn movies_showing(
    conn: &Connection,
    cinema_id: i64,
    date: Option<NaiveDate>,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Vec<MovieShowing>> {
    let ((from, to), _) = cinema_day(conn, cinema_id, date, now)?;
    Ok(conn
        .prepare_cached(query!("catalog/movies_at_cinema"))?
        .query_map(params![cinema_id, from, to], |r| {
            Ok(MovieShowing {
                movie: movie_from(r, 0)?,
                showtimes: r.get(9)?,
            })
        })?
        .collect::<Result<_, _>>()?)
}

/// Showtimes at the cinema on `date`, of one movie or all.
fn showtimes(
    conn: &Connection,
    locale: &Locale,
    cinema_id: i64,
    date: Option<NaiveDate>,
    movie_id: Option<i64>,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Vec<ShowtimeListing>> {
    let ((from, to), zone) = cinema_day(conn, cinema_id, date, now)?;
    let now_ms = to_millis(now);
    let rows = conn
        .prepare_cached(query!("catalog/showtimes_at_cinema"))?
        .query_map(params![cinema_id, from, to, movie_id, now_ms], |r| {
            let total: i64 = r.get(8)?;
            let taken: i64 = r.get(9)?;
            Ok(ShowtimeListing {
                id: r.get(0)?,
                movie_id: r.get(1)?,
                movie_title: r.get(2)?,
                auditorium_id: r.get(3)?,
                auditorium: r.get(4)?,
                starts_at: rfc3339(r.get(5)?, zone),
                ends_at: rfc3339(r.get(6)?, zone),
                timezone: zone.name().to_string(),
                status: r.get(7)?,
                seats_total: total,
                seats_available: (total - taken).max(0),
                prices: Vec::new(),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|mut s| {
            s.prices = prices(conn, locale, s.id)?;
            Ok(s)
        })
        .collect()
}

fn prices(conn: &Connection, locale: &Locale, showtime_id: ShowtimeId) -> AppResult<Vec<Price>> {
    Ok(conn
        .prepare_cached(query!("catalog/showtime_prices"))?
        .query_map(params![showtime_id], |r| {
            Ok(Price {
                class: r.get(0)?,
                amount: r.get(1)?,
                currency: locale.currency.clone(),
            })
        })?
        .collect::<Result<_, _>>()?)
}

fn showtime(
    conn: &Connection,
    locale: &Locale,
    showtime_id: ShowtimeId,
) -> AppResult<ShowtimeDetail> {
    let detail = conn
        .prepare_cached(query!("catalog/showtime_detail"))?
        .query_row(params![showtime_id], |r| {
            let timezone: String = r.get(18)?;
            let zone = zone(&timezone);
            Ok(ShowtimeDetail {
                id: r.get(0)?,
                status: r.get(1)?,
                starts_at: rfc3339(r.get(2)?, zone),
                ends_at: rfc3339(r.get(3)?, zone),
                cancel_reason: r.get(4)?,
                movie: movie_from(r, 5)?,
                cinema: Cinema {
                    id: r.get(14)?,
                    city_id: r.get(15)?,
                    name: r.get(16)?,
                    address: r.get(17)?,
                    timezone: timezone.clone(),
                },
                timezone,
                city: r.get(19)?,
                auditorium: Auditorium {
                    id: r.get(20)?,
                    name: r.get(21)?,
                },
                seats_total: r.get(22)?,
                prices: Vec::new(),
                currency: locale.currency.clone(),
            })
        })
        .optional()?
        .ok_or(AppError::NotFound("showtime"))?;
    Ok(ShowtimeDetail {
        prices: prices(conn, locale, showtime_id)?,
        ..detail
    })
}

pub fn is_empty(conn: &Connection) -> AppResult<bool> {
    let cities: i64 = conn.query_row(query!("catalog/count_cities"), [], |r| r.get(0))?;
    Ok(cities == 0)
}
