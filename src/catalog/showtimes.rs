//! The back office's showtimes (DESIGN 4a): scheduling one or a programme
//! of them, changing prices, moving and deleting one.
//!
//! Creating: the checks (the movie exists and is not archived, the
//! auditorium exists, every class of its layout has a price and no other,
//! the start is in the future, no collision with a scheduled showtime of the
//! auditorium: overlapping it, or less than `catalog.cleaning_gap` between
//! one's end and the other's start) and the insert run in one write of the
//! store's single writer, with the `showtime.create` audit row: nothing can
//! be scheduled in between. A batch is all or none and records one
//! `showtime.create` row per showtime it makes (each row names its showtime,
//! as a single create does).
//!
//! Changing prices, moving and deleting go through the showtime's actor
//! ([`crate::seats::book::schedule`]), which serializes them with holds: the
//! new prices apply to holds made after the change; a move is decided by the
//! actor (nothing held, being paid or sold) and its collision check runs in
//! the same savepoint as the update (a refused write reloads the actor); a
//! delete is conditional in SQL too, and the registry forgets the actor.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, NaiveTime, TimeZone};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::admin::audited;
use crate::{
    clock::{SharedClock, millis, rfc3339, to_millis},
    error::{AppError, AppResult, FieldError, Overlap},
    ids::{ShowtimeId, UserId},
    seats::{
        ShowtimeRegistry,
        actor::{DeleteShowtime, EditShowtime},
        book::{
            NewTime, Reschedule,
            schedule::{MAX_PRICE, check_prices},
        },
        persist::overlapping,
    },
    status::ShowtimeStatus,
    store::Store,
};

/// The longest programme one batch may schedule, in days.
pub const BATCH_MAX_DAYS: i64 = 62;
/// The most showtimes one batch may make.
pub const BATCH_MAX_SHOWTIMES: usize = 500;

/// `POST /admin/showtimes`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewShowtime {
    /// An existing movie, not archived (422 `unknown_movie`, `movie_archived`).
    pub movie_id: i64,
    /// An existing auditorium (422 `unknown_auditorium`).
    pub auditorium_id: i64,
    /// RFC 3339 with an offset, in the future (422 `start_in_past`).
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: String,
    /// A price for every seat class of the auditorium, and no other class.
    #[schema(schema_with = prices_schema)]
    pub prices: BTreeMap<String, i64>,
}

/// `POST /admin/showtimes/batch`: a programme of showtimes, all or none.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShowtimeBatch {
    pub movie_id: i64,
    pub auditorium_id: i64,
    /// The first local date (the cinema's), `YYYY-MM-DD`.
    #[schema(value_type = String, format = Date)]
    pub from: String,
    /// The last local date, inclusive; at most 62 days after `from` counted inclusively.
    #[schema(value_type = String, format = Date)]
    pub to: String,
    /// Local start times `HH:MM`, each once.
    #[schema(schema_with = times_schema)]
    pub times: Vec<String>,
    /// ISO weekdays (1 Monday … 7 Sunday); every day when left out.
    #[serde(default, deserialize_with = "crate::fields::present")]
    #[schema(schema_with = weekdays_schema)]
    pub weekdays: Option<Vec<i64>>,
    /// A price for every seat class of the auditorium, and no other class.
    #[schema(schema_with = prices_schema)]
    pub prices: BTreeMap<String, i64>,
}

/// `PATCH /admin/showtimes/{id}`: what is left out stays as it is.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShowtimePatch {
    /// New prices of the classes named (the others keep theirs); holds
    /// made before keep the price they were made at.
    #[serde(default, deserialize_with = "crate::fields::present")]
    #[schema(schema_with = patch_prices_schema)]
    pub prices: Option<BTreeMap<String, i64>>,
    /// A new start (RFC 3339 with an offset, in the future); only while
    /// nothing is held, being paid or sold.
    #[serde(default, deserialize_with = "crate::fields::present")]
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: Option<String>,
}

/// A showtime as the back office sees it; times at its cinema's offset.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AdminShowtime {
    pub id: i64,
    pub movie_id: i64,
    pub auditorium_id: i64,
    pub cinema_id: i64,
    /// The cinema's IANA time zone.
    pub timezone: String,
    pub starts_at: String,
    /// The start plus the movie's duration.
    pub ends_at: String,
    /// Seat class to price.
    pub prices: BTreeMap<String, i64>,
    pub currency: String,
    pub status: ShowtimeStatus,
}

/// The showtimes a batch made.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AdminShowtimes {
    pub showtimes: Vec<AdminShowtime>,
}

fn price_map(description: &'static str, min: usize) -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::{ObjectBuilder, schema::Type};
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property_names(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some("^[a-z]{1,20}$")),
        ))
        .additional_properties(Some(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0))
                .maximum(Some(MAX_PRICE)),
        ))
        .min_properties(Some(min))
        .max_properties(Some(26))
        .description(Some(description))
        .into()
}

pub fn prices_schema() -> utoipa::openapi::schema::Schema {
    price_map(
        "Seat class to price (0 to 100000000, the smallest unit of the currency): every class of the auditorium's layout, and no other.",
        1,
    )
}

pub fn patch_prices_schema() -> utoipa::openapi::schema::Schema {
    price_map(
        "Seat class to its new price (0 to 100000000); classes of the showtime's layout only.",
        0,
    )
}

pub fn times_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::{ArrayBuilder, ObjectBuilder, schema::Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some("^([01][0-9]|2[0-3]):[0-5][0-9]$")),
        )
        .min_items(Some(1))
        .max_items(Some(48))
        .unique_items(true)
        .description(Some("Local start times, `HH:MM`, each once."))
        .into()
}

pub fn weekdays_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::{ArrayBuilder, ObjectBuilder, schema::Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1))
                .maximum(Some(7)),
        )
        .min_items(Some(1))
        .max_items(Some(7))
        .description(Some("ISO weekdays: 1 Monday … 7 Sunday."))
        .into()
}

/// The back office's showtimes; reachable from `AppState::showtimes`.
#[derive(Clone)]
pub struct Showtimes {
    store: Store,
    clock: SharedClock,
    registry: ShowtimeRegistry,
    /// `catalog.cleaning_gap` in milliseconds.
    gap_ms: i64,
    currency: String,
}

/// What scheduling in an auditorium needs to know, read in the write.
struct Place {
    timezone: chrono_tz::Tz,
    duration_ms: i64,
}

fn field_errors(code: &'static str, detail: &str, errors: Vec<FieldError>) -> AppResult<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation {
            code,
            detail: detail.into(),
            errors,
        })
    }
}

/// A start as sent: RFC 3339 with an offset.
fn instant(field: &str, text: &str, errors: &mut Vec<FieldError>) -> i64 {
    match DateTime::parse_from_rfc3339(text) {
        Ok(at) => at.timestamp_millis(),
        Err(_) => {
            errors.push(FieldError::new(
                field,
                "must be an RFC 3339 time with an offset, like 2026-11-29T19:30:00+08:00",
            ));
            0
        }
    }
}

fn amounts(prices: &BTreeMap<String, i64>, errors: &mut Vec<FieldError>) {
    for (class, amount) in prices {
        if !(0..=MAX_PRICE).contains(amount) {
            errors.push(FieldError::new(
                format!("prices.{class}"),
                format!("must be 0 to {MAX_PRICE}"),
            ));
        }
    }
}

fn in_the_future(starts: &[(i64, String)], now: i64) -> AppResult<()> {
    let past: Vec<FieldError> = starts
        .iter()
        .filter(|(at, _)| *at <= now)
        .map(|(_, field)| FieldError::new(field.clone(), "is not in the future"))
        .collect();
    if past.is_empty() {
        return Ok(());
    }
    Err(AppError::Validation {
        code: "start_in_past",
        detail: "a showtime must start in the future".into(),
        errors: past,
    })
}

fn timezone_of(name: &str) -> AppResult<chrono_tz::Tz> {
    name.parse()
        .map_err(|_| AppError::Internal(format!("a cinema has the unknown time zone {name}")))
}

/// The movie and auditorium of a new showtime, checked: 422
/// `unknown_movie`, `movie_archived`, `unknown_auditorium`, `invalid_prices`.
fn place(
    conn: &Connection,
    movie_id: i64,
    auditorium_id: i64,
    prices: &BTreeMap<String, i64>,
) -> AppResult<Place> {
    let movie: Option<(i64, bool)> = conn
        .prepare_cached(query!("catalog/movie"))?
        .query_row(params![movie_id], |r| Ok((r.get(3)?, r.get(8)?)))
        .optional()?;
    let Some((duration_minutes, archived)) = movie else {
        return Err(AppError::Validation {
            code: "unknown_movie",
            detail: format!("there is no movie {movie_id}"),
            errors: vec![FieldError::new("movie_id", "must be an existing movie")],
        });
    };
    if archived {
        return Err(AppError::Validation {
            code: "movie_archived",
            detail: format!("movie {movie_id} is archived: it is no longer shown"),
            errors: vec![FieldError::new("movie_id", "must not be archived")],
        });
    }
    let timezone: Option<String> = conn
        .prepare_cached(query!("catalog/auditorium_place"))?
        .query_row(params![auditorium_id], |r| r.get(2))
        .optional()?;
    let Some(timezone) = timezone else {
        return Err(AppError::Validation {
            code: "unknown_auditorium",
            detail: format!("there is no auditorium {auditorium_id}"),
            errors: vec![FieldError::new(
                "auditorium_id",
                "must be an existing auditorium",
            )],
        });
    };
    let classes: BTreeSet<String> = conn
        .prepare_cached(query!("catalog/auditorium_classes"))?
        .query_map(params![auditorium_id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    check_prices(&classes, prices, true)?;
    Ok(Place {
        timezone: timezone_of(&timezone)?,
        duration_ms: duration_minutes.saturating_mul(60_000),
    })
}

fn showtime(conn: &Connection, id: i64, currency: &str) -> AppResult<AdminShowtime> {
    let row = conn
        .prepare_cached(query!("catalog/admin_showtime"))?
        .query_row(params![id], |r| {
            Ok((
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, i64>(6)?,
                r.get::<_, ShowtimeStatus>(7)?,
            ))
        })
        .optional()?
        .ok_or(AppError::NotFound("showtime"))?;
    let (movie_id, auditorium_id, cinema_id, timezone, starts_at, ends_at, status) = row;
    let tz = timezone_of(&timezone)?;
    let prices: BTreeMap<String, i64> = conn
        .prepare_cached(query!("catalog/showtime_prices"))?
        .query_map(params![id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(AdminShowtime {
        id,
        movie_id,
        auditorium_id,
        cinema_id,
        timezone,
        starts_at: rfc3339(starts_at, tz),
        ends_at: rfc3339(ends_at, tz),
        prices,
        currency: currency.to_string(),
        status,
    })
}

/// What scheduling needs from the configuration.
pub struct ScheduleRules {
    /// `catalog.cleaning_gap`, in milliseconds.
    pub gap_ms: i64,
    pub currency: String,
}

/// Schedules one showtime in `conn`: the one path of the back office and the
/// demo seed (`by` is `None` for the seed, which records no audit row).
pub(super) fn create_showtime(
    conn: &Connection,
    new: &NewShowtime,
    rules: &ScheduleRules,
    by: Option<UserId>,
    now: i64,
) -> AppResult<AdminShowtime> {
    let mut errors = Vec::new();
    let starts_at = instant("starts_at", &new.starts_at, &mut errors);
    amounts(&new.prices, &mut errors);
    field_errors("invalid_fields", "some fields are invalid", errors)?;
    let place = place(conn, new.movie_id, new.auditorium_id, &new.prices)?;
    in_the_future(&[(starts_at, "starts_at".into())], now)?;
    let ends_at = starts_at.saturating_add(place.duration_ms);
    let collisions = overlapping(
        conn,
        new.auditorium_id,
        (starts_at, ends_at),
        rules.gap_ms,
        None,
    )?;
    if !collisions.is_empty() {
        let with = rfc3339(starts_at, place.timezone);
        return Err(AppError::ShowtimeOverlap {
            overlaps: collisions
                .into_iter()
                .map(|c| c.described(place.timezone, &with))
                .collect(),
        });
    }
    insert(
        conn,
        new.movie_id,
        new.auditorium_id,
        (starts_at, ends_at),
        &new.prices,
        &rules.currency,
        by,
        now,
    )
}

/// Inserts a checked showtime with its prices and audit row.
#[allow(clippy::too_many_arguments)]
fn insert(
    conn: &Connection,
    movie_id: i64,
    auditorium_id: i64,
    (starts_at, ends_at): (i64, i64),
    prices: &BTreeMap<String, i64>,
    currency: &str,
    by: Option<UserId>,
    now: i64,
) -> AppResult<AdminShowtime> {
    conn.prepare_cached(query!("catalog/insert_showtime"))?
        .execute(params![movie_id, auditorium_id, starts_at, ends_at])?;
    let id = conn.last_insert_rowid();
    let mut price = conn.prepare_cached(query!("catalog/insert_price"))?;
    for (class, amount) in prices {
        price.execute(params![id, class, amount])?;
    }
    let created = showtime(conn, id, currency)?;
    audited(
        conn,
        by,
        "showtime.create",
        format!("showtime:{id}"),
        None,
        &created,
        now,
    )?;
    Ok(created)
}

/// A local date and time in `tz`. A time the clocks skip that day does not
/// exist: 422 (`None`). A time they pass twice (the hour after a summer time
/// ends) is ambiguous: the earlier of the two instants is taken.
fn local_instant(tz: chrono_tz::Tz, date: NaiveDate, time: NaiveTime) -> Option<i64> {
    match tz.from_local_datetime(&date.and_time(time)) {
        LocalResult::Single(at) => Some(at.timestamp_millis()),
        LocalResult::Ambiguous(earlier, _) => Some(earlier.timestamp_millis()),
        LocalResult::None => None,
    }
}

/// A batch's checked shape: its dates, times and weekdays.
struct Programme {
    from: NaiveDate,
    to: NaiveDate,
    times: Vec<NaiveTime>,
    weekdays: BTreeSet<u32>,
}

impl Programme {
    fn checked(batch: &ShowtimeBatch) -> AppResult<Programme> {
        let mut errors = Vec::new();
        let mut date = |field: &str, text: &str| {
            let date = crate::fields::local_date(text);
            if date.is_none() {
                errors.push(FieldError::new(field, "must be a date like 2026-11-29"));
            }
            date
        };
        let from = date("from", &batch.from);
        let to = date("to", &batch.to);
        let mut times = Vec::new();
        if batch.times.is_empty() || batch.times.len() > 48 {
            errors.push(FieldError::new("times", "must list 1 to 48 start times"));
        }
        for (i, text) in batch.times.iter().enumerate() {
            match NaiveTime::parse_from_str(text, "%H:%M") {
                Ok(t) if text.len() == 5 && !times.contains(&t) => times.push(t),
                Ok(_) if text.len() == 5 => {
                    errors.push(FieldError::new(format!("times[{i}]"), "is listed twice"));
                }
                _ => errors.push(FieldError::new(
                    format!("times[{i}]"),
                    "must be a local time like 19:30",
                )),
            }
        }
        let mut weekdays = BTreeSet::new();
        match &batch.weekdays {
            None => weekdays.extend(1..=7),
            Some(days) if days.is_empty() || days.len() > 7 => {
                errors.push(FieldError::new("weekdays", "must list 1 to 7 weekdays"));
            }
            Some(days) => {
                for (i, day) in days.iter().enumerate() {
                    match u32::try_from(*day) {
                        Ok(d) if (1..=7).contains(&d) => {
                            weekdays.insert(d);
                        }
                        _ => errors.push(FieldError::new(
                            format!("weekdays[{i}]"),
                            "must be 1 (Monday) to 7 (Sunday)",
                        )),
                    }
                }
            }
        }
        amounts(&batch.prices, &mut errors);
        field_errors("invalid_fields", "some fields are invalid", errors)?;
        let (Some(from), Some(to)) = (from, to) else {
            return Err(AppError::Internal("dates checked above".into()));
        };
        let days = (to - from).num_days() + 1;
        if days < 1 {
            return Err(AppError::Validation {
                code: "invalid_schedule",
                detail: "`to` is before `from`".into(),
                errors: vec![FieldError::new("to", "must not be before from")],
            });
        }
        if days > BATCH_MAX_DAYS {
            return Err(AppError::Validation {
                code: "invalid_schedule",
                detail: format!("a batch covers at most {BATCH_MAX_DAYS} days"),
                errors: vec![FieldError::new(
                    "to",
                    format!("must be at most {BATCH_MAX_DAYS} days from `from`, both included"),
                )],
            });
        }
        Ok(Programme {
            from,
            to,
            times,
            weekdays,
        })
    }

    /// Every start of the programme in `tz` (UTC ms, sorted) with the
    /// request field it comes from; 422 `invalid_schedule` for a local time
    /// that does not exist, for no showtime at all, or for too many.
    fn starts(&self, tz: chrono_tz::Tz) -> AppResult<Vec<(i64, String)>> {
        let mut starts = Vec::new();
        let mut errors = Vec::new();
        let mut day = self.from;
        while day <= self.to {
            if self.weekdays.contains(&day.weekday().number_from_monday()) {
                for (i, time) in self.times.iter().enumerate() {
                    match local_instant(tz, day, *time) {
                        Some(at) => starts.push((at, format!("{day} {}", time.format("%H:%M")))),
                        None => errors.push(FieldError::new(
                            format!("times[{i}]"),
                            format!(
                                "{} does not exist on {day} in {}: the clocks skip it",
                                time.format("%H:%M"),
                                tz.name()
                            ),
                        )),
                    }
                }
            }
            let Some(next) = day.succ_opt() else { break };
            day = next;
        }
        field_errors(
            "invalid_schedule",
            "some local times do not exist in the cinema's time zone",
            errors,
        )?;
        if starts.is_empty() {
            return Err(AppError::Validation {
                code: "invalid_schedule",
                detail: "no day from `from` to `to` is one of `weekdays`".into(),
                errors: vec![FieldError::new(
                    "weekdays",
                    "no day of the range is one of them",
                )],
            });
        }
        if starts.len() > BATCH_MAX_SHOWTIMES {
            return Err(AppError::Validation {
                code: "invalid_schedule",
                detail: format!(
                    "the batch would make {} showtimes; at most {BATCH_MAX_SHOWTIMES}",
                    starts.len()
                ),
                errors: vec![FieldError::new(
                    "times",
                    format!("at most {BATCH_MAX_SHOWTIMES} showtimes in one batch"),
                )],
            });
        }
        starts.sort();
        Ok(starts)
    }
}

impl Showtimes {
    pub fn new(
        store: Store,
        clock: SharedClock,
        registry: ShowtimeRegistry,
        cleaning_gap: std::time::Duration,
        currency: String,
    ) -> Showtimes {
        Showtimes {
            store,
            clock,
            registry,
            gap_ms: millis(cleaning_gap),
            currency,
        }
    }

    fn now_ms(&self) -> i64 {
        to_millis(self.clock.now())
    }

    /// Schedules one showtime (see the module's words on the checks).
    pub async fn create(&self, new: NewShowtime, by: UserId) -> AppResult<AdminShowtime> {
        let now = self.now_ms();
        let rules = self.rules();
        self.store
            .write(move |conn| create_showtime(conn, &new, &rules, Some(by), now))
            .await
    }

    fn rules(&self) -> ScheduleRules {
        ScheduleRules {
            gap_ms: self.gap_ms,
            currency: self.currency.clone(),
        }
    }

    /// Schedules a programme, all or none: 409 `showtime_overlap` lists
    /// every collision, among its own showtimes and with scheduled ones.
    pub async fn create_batch(
        &self,
        batch: ShowtimeBatch,
        by: UserId,
    ) -> AppResult<AdminShowtimes> {
        let programme = Programme::checked(&batch)?;
        let now = self.now_ms();
        let (gap, currency) = (self.gap_ms, self.currency.clone());
        self.store
            .write(move |conn| {
                let place = place(conn, batch.movie_id, batch.auditorium_id, &batch.prices)?;
                let tz = place.timezone;
                let starts = programme.starts(tz)?;
                in_the_future(&starts, now)?;
                let span = |at: i64| (at, at.saturating_add(place.duration_ms));
                let mut overlaps: Vec<Overlap> = Vec::new();
                // Among themselves: sorted by start, all of one length.
                for (i, (first, _)) in starts.iter().enumerate() {
                    let (_, first_ends) = span(*first);
                    for (later, _) in starts.iter().skip(i + 1) {
                        if *later >= first_ends.saturating_add(gap) {
                            break;
                        }
                        overlaps.push(Overlap {
                            id: None,
                            starts_at: rfc3339(*first, tz),
                            ends_at: rfc3339(first_ends, tz),
                            with_starts_at: rfc3339(*later, tz),
                        });
                    }
                }
                for (at, _) in &starts {
                    let with = rfc3339(*at, tz);
                    for collision in overlapping(conn, batch.auditorium_id, span(*at), gap, None)? {
                        overlaps.push(collision.described(tz, &with));
                    }
                }
                if !overlaps.is_empty() {
                    return Err(AppError::ShowtimeOverlap { overlaps });
                }
                let showtimes = starts
                    .iter()
                    .map(|(at, _)| {
                        insert(
                            conn,
                            batch.movie_id,
                            batch.auditorium_id,
                            span(*at),
                            &batch.prices,
                            &currency,
                            Some(by),
                            now,
                        )
                    })
                    .collect::<AppResult<Vec<_>>>()?;
                Ok(AdminShowtimes { showtimes })
            })
            .await
    }

    /// An auditorium's showtimes (cancelled ones too) starting from `from`
    /// to `to`, inclusive dates local to its cinema, at most
    /// [`BATCH_MAX_DAYS`] days: the back office's programme. 404 for an
    /// unknown auditorium; 422 `invalid_fields` for a malformed date,
    /// `invalid_schedule` for `to` before `from` or too long a period.
    pub async fn list(
        &self,
        auditorium_id: i64,
        from: &str,
        to: &str,
    ) -> AppResult<Vec<AdminShowtime>> {
        let mut errors = Vec::new();
        let mut date = |field: &str, text: &str| {
            let date = crate::fields::local_date(text);
            if date.is_none() {
                errors.push(FieldError::new(field, "must be a date like 2026-11-29"));
            }
            date
        };
        let (from, to) = (date("from", from), date("to", to));
        field_errors("invalid_fields", "some fields are invalid", errors)?;
        let (Some(from), Some(to)) = (from, to) else {
            return Err(AppError::Internal("dates checked above".into()));
        };
        let days = (to - from).num_days() + 1;
        if !(1..=BATCH_MAX_DAYS).contains(&days) {
            return Err(AppError::Validation {
                code: "invalid_schedule",
                detail: format!(
                    "`to` must be from `from` to {BATCH_MAX_DAYS} days after it, both included"
                ),
                errors: vec![FieldError::new(
                    "to",
                    format!(
                        "must not be before `from`, and at most {BATCH_MAX_DAYS} days from it, both included"
                    ),
                )],
            });
        }
        let currency = self.currency.clone();
        self.store
            .read(move |conn| {
                let timezone: String = conn
                    .prepare_cached(query!("catalog/auditorium_place"))?
                    .query_row(params![auditorium_id], |r| r.get(2))
                    .optional()?
                    .ok_or(AppError::NotFound("auditorium"))?;
                let tz = timezone_of(&timezone)?;
                let midnight = |day: NaiveDate| {
                    local_instant(tz, day, NaiveTime::MIN)
                        // A zone whose clocks skip midnight: the day starts an hour later.
                        .or_else(|| local_instant(tz, day, NaiveTime::from_hms_opt(1, 0, 0)?))
                        .ok_or_else(|| {
                            AppError::Internal(format!("{day} has no start in {timezone}"))
                        })
                };
                let start = midnight(from)?;
                let end = midnight(to + chrono::Days::new(1))?;
                let ids: Vec<i64> = conn
                    .prepare_cached(query!("catalog/admin_showtimes"))?
                    .query_map(params![auditorium_id, start, end], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                ids.into_iter()
                    .map(|id| showtime(conn, id, &currency))
                    .collect()
            })
            .await
    }

    /// Changes prices and/or moves a showtime, all or none, through its
    /// actor (see [`crate::seats::book::SeatBook::reschedule`]).
    pub async fn update(
        &self,
        id: i64,
        patch: ShowtimePatch,
        by: UserId,
    ) -> AppResult<AdminShowtime> {
        let mut errors = Vec::new();
        let starts_at = patch
            .starts_at
            .as_deref()
            .map(|text| instant("starts_at", text, &mut errors));
        if let Some(prices) = &patch.prices {
            amounts(prices, &mut errors);
        }
        field_errors("invalid_fields", "some fields are invalid", errors)?;
        let now = self.clock.now();
        let currency = self.currency.clone();
        // The auditorium, zone and movie length a move needs.
        let (auditorium_id, timezone, duration_ms) = self
            .store
            .read(move |conn| {
                conn.prepare_cached(query!("catalog/showtime_schedule"))?
                    .query_row(params![id], |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, i64>(2)?,
                        ))
                    })
                    .optional()?
                    .ok_or(AppError::NotFound("showtime"))
            })
            .await?;
        let timezone = timezone_of(&timezone)?;
        if let Some(at) = starts_at {
            in_the_future(&[(at, "starts_at".into())], to_millis(now))?;
        }
        let edit = Reschedule {
            prices: patch.prices,
            time: starts_at.map(|at| NewTime {
                starts_at: at,
                ends_at: at.saturating_add(duration_ms.saturating_mul(60_000)),
                auditorium_id,
                gap_ms: self.gap_ms,
                timezone,
            }),
        };
        if edit.prices.is_some() || edit.time.is_some() {
            let actor = self.registry.get(ShowtimeId(id)).await?;
            actor
                .send(EditShowtime {
                    edit,
                    timezone,
                    by: Some(by),
                    now,
                })
                .await??;
        }
        self.store
            .read(move |conn| showtime(conn, id, &currency))
            .await
    }

    /// Deletes a showtime nobody ever booked and without a blocked seat,
    /// through its actor (so no hold slips in between); the registry then
    /// forgets the actor, and the showtime is 404 everywhere.
    pub async fn delete(&self, id: i64, by: UserId) -> AppResult<()> {
        let timezone: String = self
            .store
            .read(move |conn| {
                conn.prepare_cached(query!("catalog/showtime_schedule"))?
                    .query_row(params![id], |r| r.get(1))
                    .optional()?
                    .ok_or(AppError::NotFound("showtime"))
            })
            .await?;
        let timezone = timezone_of(&timezone)?;
        let showtime_id = ShowtimeId(id);
        let actor = self.registry.get(showtime_id).await?;
        actor
            .send(DeleteShowtime {
                timezone,
                by: Some(by),
                now: self.clock.now(),
            })
            .await??;
        self.registry.forget(&[showtime_id]);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn time(text: &str) -> NaiveTime {
        NaiveTime::parse_from_str(text, "%H:%M").unwrap()
    }

    #[test]
    fn a_skipped_local_time_does_not_exist_and_a_repeated_one_is_the_earlier() {
        let tz = chrono_tz::America::New_York;
        // 2027-03-14: 02:00 to 03:00 is skipped.
        assert_eq!(local_instant(tz, date("2027-03-14"), time("02:30")), None);
        // 2027-11-07: 01:00 to 02:00 happens twice (EDT, then EST).
        let twice = local_instant(tz, date("2027-11-07"), time("01:30")).unwrap();
        assert_eq!(rfc3339(twice, tz), "2027-11-07T01:30:00-04:00");
    }

    #[test]
    fn a_programme_has_its_weekdays_local_times_only() {
        let batch = ShowtimeBatch {
            movie_id: 1,
            auditorium_id: 1,
            from: "2026-11-30".into(), // a Monday
            to: "2026-12-06".into(),
            times: vec!["12:00".into(), "18:30".into()],
            weekdays: Some(vec![1, 3, 3]),
            prices: BTreeMap::new(),
        };
        let starts = Programme::checked(&batch)
            .unwrap()
            .starts(chrono_tz::Asia::Makassar)
            .unwrap();
        let local: Vec<String> = starts
            .iter()
            .map(|(at, _)| rfc3339(*at, chrono_tz::Asia::Makassar))
            .collect();
        assert_eq!(
            local,
            [
                "2026-11-30T12:00:00+08:00",
                "2026-11-30T18:30:00+08:00",
                "2026-12-02T12:00:00+08:00",
                "2026-12-02T18:30:00+08:00"
            ]
        );
    }
}
