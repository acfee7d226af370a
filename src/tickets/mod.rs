//! Tickets: one per sold seat, issued by the showtime actor with the sale
//! (transaction id, seat, customer, time of purchase) and read here; their
//! QR codes; and check-in at the door.
//!
//! A check-in code is 128 random bits (hex), stored with the ticket: it cannot
//! be guessed, and a code that is not in the database admits nobody. Admitting
//! is one conditional UPDATE through the single writer, so two gates scanning
//! the same code at the same moment admit it exactly once.

pub mod qr;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::{
    catalog::Locale,
    clock::{SharedClock, from_millis, local_date, local_day, millis, rfc3339, to_millis, zone},
    error::{AppError, AppResult},
    ids::{BookingId, PaymentId, ShowtimeId, TicketId, UserId},
    status::TicketStatus,
    store::Store,
};

/// Tickets as their owners and the door staff see them.
#[derive(Clone)]
pub struct Tickets {
    store: Store,
    clock: SharedClock,
    locale: Locale,
    /// How long before the start the doors open (`checkin.opens_before`).
    opens_before: std::time::Duration,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Ticket {
    pub id: TicketId,
    pub booking_id: BookingId,
    pub showtime_id: ShowtimeId,
    pub seat: String,
    pub class: String,
    pub price: i64,
    pub currency: String,
    pub status: TicketStatus,
    pub purchased_at: String,
    /// The payment that bought it.
    pub transaction_id: PaymentId,
    pub checkin_code: String,
    pub checked_in_at: Option<String>,
    pub movie_title: String,
    pub cinema: String,
    pub auditorium: String,
    pub starts_at: String,
    /// The cinema's IANA time zone, whose offset the ticket's times carry.
    pub timezone: String,
    pub showtime_status: String,
}

fn tickets_of(
    conn: &Connection,
    locale: &Locale,
    user: UserId,
    only: Option<&str>,
) -> AppResult<Vec<Ticket>> {
    Ok(conn
        .prepare_cached(query!("tickets/tickets_of_user"))?
        .query_map(params![user, only], |r| {
            let timezone: String = r.get(16)?;
            let offset = zone(&timezone);
            Ok(Ticket {
                id: r.get(0)?,
                booking_id: r.get(1)?,
                showtime_id: r.get(2)?,
                seat: r.get(3)?,
                class: r.get(4)?,
                price: r.get(5)?,
                currency: locale.currency.clone(),
                status: r.get(6)?,
                purchased_at: rfc3339(r.get(7)?, offset),
                transaction_id: r.get(8)?,
                checkin_code: r.get(9)?,
                checked_in_at: r.get::<_, Option<i64>>(10)?.map(|t| rfc3339(t, offset)),
                movie_title: r.get(11)?,
                cinema: r.get(12)?,
                auditorium: r.get(13)?,
                starts_at: rfc3339(r.get(14)?, offset),
                timezone,
                showtime_status: r.get(15)?,
            })
        })?
        .collect::<Result<_, _>>()?)
}

/// A ticket admitted at the door.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Admission {
    pub ticket_id: TicketId,
    pub seat: String,
    pub showtime_id: ShowtimeId,
    pub status: TicketStatus,
    pub checked_in_at: String,
    /// The cinema's IANA time zone, whose offset `checked_in_at` carries.
    pub timezone: String,
}

/// A showtime as the door page lists it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DoorShowtime {
    pub id: ShowtimeId,
    pub movie_title: String,
    pub auditorium: String,
    pub cinema_id: i64,
    pub cinema: String,
    /// The cinema's IANA time zone, whose offset the times carry.
    pub timezone: String,
    pub starts_at: String,
    pub ends_at: String,
    /// When the doors open (`checkin.opens_before` before the start).
    pub doors_open_at: String,
    pub status: crate::status::ShowtimeStatus,
    /// Tickets sold and not refunded.
    pub sold: i64,
    /// Of those, checked in.
    pub admitted: i64,
}

impl Tickets {
    /// The showtimes of one local day (each cinema's own: `date`, or its
    /// today), of one cinema or all, with their sold and admitted counts.
    #[tracing::instrument(skip_all, fields(cinema_id = ?cinema_id))]
    pub async fn door_showtimes(
        &self,
        date: Option<&str>,
        cinema_id: Option<i64>,
    ) -> AppResult<Vec<DoorShowtime>> {
        let date = match date {
            None | Some("") => None,
            Some(text) => Some(crate::fields::local_date(text).ok_or_else(|| {
                AppError::validation(
                    "invalid_date",
                    format!("`{text}` is not a date like 2026-11-24"),
                )
            })?),
        };
        let now = self.clock.now();
        let opens_before = millis(self.opens_before);
        // Every zone's day lies within 14 hours of the UTC one.
        let around = date.unwrap_or_else(|| now.date_naive());
        let (day_start, day_end) = local_day(around, chrono_tz::UTC);
        let margin = 15 * 3_600_000;
        let window = (
            day_start - margin - 86_400_000,
            day_end + margin + 86_400_000,
        );
        self.store
            .read(move |conn| {
                let rows = conn
                    .prepare_cached(query!("tickets/door_showtimes"))?
                    .query_map(params![window.0, window.1, cinema_id], |r| {
                        let timezone: String = r.get(5)?;
                        let zone = zone(&timezone);
                        let starts_at: i64 = r.get(6)?;
                        let ends_at: i64 = r.get(7)?;
                        let day = date.unwrap_or_else(|| local_date(now, zone));
                        let on_the_day = local_date(from_millis(starts_at), zone) == day;
                        Ok(on_the_day.then_some(DoorShowtime {
                            id: r.get(0)?,
                            movie_title: r.get(1)?,
                            auditorium: r.get(2)?,
                            cinema_id: r.get(3)?,
                            cinema: r.get(4)?,
                            starts_at: rfc3339(starts_at, zone),
                            ends_at: rfc3339(ends_at, zone),
                            doors_open_at: rfc3339(starts_at.saturating_sub(opens_before), zone),
                            timezone,
                            status: r.get(8)?,
                            sold: r.get(9)?,
                            admitted: r.get(10)?,
                        }))
                    })?
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(rows.into_iter().flatten().collect())
            })
            .await
    }

    pub fn new(
        store: Store,
        clock: SharedClock,
        locale: Locale,
        opens_before: std::time::Duration,
    ) -> Tickets {
        Tickets {
            store,
            clock,
            locale,
            opens_before,
        }
    }

    /// The customer's tickets.
    #[tracing::instrument(skip_all, fields(user_id = %user))]
    pub async fn list(&self, user: UserId) -> AppResult<Vec<Ticket>> {
        let locale = self.locale.clone();
        self.store
            .read(move |conn| tickets_of(conn, &locale, user, None))
            .await
    }

    /// One of the customer's tickets; 404 for anyone else's.
    #[tracing::instrument(skip_all, fields(user_id = %user, ticket_id = %ticket_id))]
    pub async fn get(&self, user: UserId, ticket_id: &TicketId) -> AppResult<Ticket> {
        let locale = self.locale.clone();
        let id = ticket_id.clone();
        self.store
            .read(move |conn| tickets_of(conn, &locale, user, Some(&id)))
            .await?
            .into_iter()
            .next()
            .ok_or(AppError::NotFound("ticket"))
    }

    /// The check-in code of one of the customer's tickets as a QR image (SVG).
    #[tracing::instrument(skip_all, fields(user_id = %user, ticket_id = %ticket_id))]
    pub async fn qr_svg(&self, user: UserId, ticket_id: &TicketId) -> AppResult<String> {
        let ticket = self.get(user, ticket_id).await?;
        qr::svg(&ticket.checkin_code)
    }

    /// Admits the ticket with this check-in code, once; with `showtime`, only
    /// a ticket for that showtime (the gate's).
    #[tracing::instrument(skip_all, fields(showtime_id = ?showtime))]
    pub async fn check_in(&self, code: &str, showtime: Option<ShowtimeId>) -> AppResult<Admission> {
        check_in(&self.store, &self.clock, code, showtime, self.opens_before).await
    }
}

/// Admits the ticket with this check-in code, once; with `showtime`, only a
/// ticket for that showtime (the gate's).
async fn check_in(
    store: &Store,
    clock: &SharedClock,
    code: &str,
    showtime: Option<ShowtimeId>,
    opens_before: std::time::Duration,
) -> AppResult<Admission> {
    let opens_before = millis(opens_before);
    let code = code.trim().to_ascii_lowercase();
    // Not the shape of a code: forged or mistyped, and nothing to look up.
    if code.len() != 32 || !code.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound("ticket"));
    }
    let now = to_millis(clock.now());
    store
        .write(move |conn| {
            let admitted = conn
                .prepare_cached(query!("tickets/checkin"))?
                .query_row(params![code, now, showtime, opens_before], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, i64>(3)?))
                })
                .optional()?;
            let found: Option<(TicketStatus, Option<i64>, ShowtimeId, i64, i64, String)> = conn
                .prepare_cached(query!("tickets/ticket_by_code"))?
                .query_row(params![code], |r| {
                    Ok((
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ))
                })
                .optional()?;
            let Some((status, used_at, of_showtime, starts_at, ends_at, timezone)) = found else {
                return Err(AppError::NotFound("ticket"));
            };
            let offset = zone(&timezone);
            if let Some((ticket_id, seat, showtime_id, checked_in_at)) = admitted {
                return Ok(Admission {
                    ticket_id,
                    seat,
                    showtime_id,
                    status: TicketStatus::Used,
                    checked_in_at: rfc3339(checked_in_at, offset),
                    timezone,
                });
            }
            Err(if status == TicketStatus::Refunded {
                AppError::conflict(
                    "ticket_refunded",
                    "this ticket was refunded and admits nobody",
                )
            } else if status == TicketStatus::Moved {
                AppError::conflict(
                    "ticket_moved",
                    "this ticket's showtime was cancelled; its owner moved to another showtime, whose tickets admit them",
                )
            } else if showtime.is_some_and(|s| s != of_showtime) {
                AppError::conflict(
                    "wrong_showtime",
                    format!("this ticket is for showtime {of_showtime}, not this one"),
                )
            } else if status == TicketStatus::Used {
                AppError::AlreadyUsed {
                    checked_in_at: used_at.map(|t| rfc3339(t, offset)).unwrap_or_default(),
                }
            } else if now < starts_at.saturating_sub(opens_before) {
                AppError::conflict(
                    "doors_not_open",
                    format!(
                        "doors open at {}",
                        rfc3339(starts_at.saturating_sub(opens_before), offset)
                    ),
                )
            } else {
                AppError::conflict(
                    "showtime_over",
                    format!("the showtime ended at {}", rfc3339(ends_at, offset)),
                )
            })
        })
        .await
}
