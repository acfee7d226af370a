//! Bookings: what a customer does with seats (hold, add, remove, release,
//! pay) routed to the showtime actor that owns them, and the booking summary
//! read back from SQLite (every acknowledged change is already there).

pub mod limits;

use std::collections::BTreeMap;

use actix_web::web::Bytes;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

pub use limits::HoldLimits;

use crate::{
    catalog::Locale,
    clock::{SharedClock, rfc3339, to_millis, zone},
    error::{AppError, AppResult},
    ids::{BookingId, PaymentId, ShowtimeId, TicketId, UserId},
    notify::Notifier,
    payments::Payments,
    refunds::Refunds,
    seats::{
        ActorRef, BookingStatus, ShowtimeActor, ShowtimeRegistry,
        actor::{
            BlockSeats, EditSeat, GetSeatMap, HoldBestSeats, HoldSeats, ReleaseBooking,
            StartPayment, Subscribe, UnblockSeat,
        },
        book::{BlockedSeats, BookingState, OfferWindows, SeatLine},
        live::Subscription,
    },
    status::{PaymentStatus, ShowtimeStatus, TicketStatus},
    store::Store,
};

pub use crate::seats::actor::SeatEdit;

/// Bookings listed per customer at most.
const LIST_LIMIT: i64 = 200;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PriceLine {
    pub class: String,
    pub quantity: i64,
    pub unit_price: i64,
    pub amount: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PaymentView {
    pub payment_id: PaymentId,
    pub provider: String,
    pub status: PaymentStatus,
    pub amount: i64,
    pub currency: String,
    pub expires_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refund_reason: Option<String>,
    /// Where the payer pays (Midtrans' Snap page), once the gateway opened it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TicketRef {
    pub id: TicketId,
    pub seat: String,
    pub status: TicketStatus,
}

/// The booking summary a customer sees before and after paying.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BookingSummary {
    pub id: BookingId,
    pub status: BookingStatus,
    pub showtime_id: ShowtimeId,
    pub showtime_status: ShowtimeStatus,
    pub movie_id: i64,
    pub movie_title: String,
    pub cinema_id: i64,
    pub cinema: String,
    pub auditorium: String,
    pub starts_at: String,
    pub ends_at: String,
    /// The cinema's IANA time zone, whose offset the booking's times carry.
    pub timezone: String,
    pub seats: Vec<SeatLine>,
    pub price_lines: Vec<PriceLine>,
    pub total: i64,
    pub currency: String,
    pub created_at: String,
    pub expires_at: String,
    pub payment: Option<PaymentView>,
    pub tickets: Vec<TicketRef>,
    /// Money on its way back (showtime cancelled, or paid too late); while
    /// `offered`, `GET /bookings/{id}/offer` has the choices (DESIGN 4c).
    pub refund: Option<RefundState>,
    /// The booking this one moved to (status `moved`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_to: Option<BookingId>,
    /// The cancelled showtime's booking this one replaced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_from: Option<BookingId>,
}

/// What the customer sees of a refund: pending and retrying both read as
/// `pending`; failed and resolved ones are in staff's hands or done.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RefundState {
    pub status: String,
    pub amount: i64,
    pub currency: String,
    pub reason: String,
    pub completed_at: Option<String>,
}

/// Answer to starting a payment.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PaymentCheckout {
    pub payment_id: PaymentId,
    pub booking_id: BookingId,
    pub provider: String,
    pub redirect_url: String,
    pub amount: i64,
    pub currency: String,
    pub expires_at: String,
    /// The cinema's IANA time zone, whose offset `expires_at` carries.
    pub timezone: String,
    #[serde(skip)]
    pub created: bool,
}

/// Answer to an admin cancelling a showtime. The fields are in alphabetical
/// order: the answer was a `json!` object before, and stays byte-identical.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ShowtimeCancelled {
    pub already_cancelled: bool,
    pub bookings_voided: usize,
    /// With `offer_move`: paid bookings offered a move or their refund.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offers_made: Option<usize>,
    pub refunds_queued: usize,
    pub showtime_id: ShowtimeId,
    pub status: &'static str,
    pub tickets_refunded: usize,
}

#[derive(Clone)]
pub struct Bookings {
    registry: ShowtimeRegistry,
    store: Store,
    clock: SharedClock,
    locale: Locale,
    payments: Payments,
    /// Woken after a cancellation: it may have queued refunds and messages.
    refunds: Refunds,
    notifier: Notifier,
    limits: HoldLimits,
    offer_windows: OfferWindows,
}

impl Bookings {
    pub fn new(
        registry: ShowtimeRegistry,
        store: Store,
        clock: SharedClock,
        locale: Locale,
        payments: Payments,
        refunds: Refunds,
        notifier: Notifier,
    ) -> Bookings {
        Bookings {
            registry,
            store,
            clock,
            locale,
            payments,
            refunds,
            notifier,
            limits: HoldLimits::new(&crate::config::BookingSettings::unlimited()),
            offer_windows: OfferWindows::from(&crate::config::Settings::defaults().offers),
        }
    }

    /// How far the cancelled-showtime offer reaches (`offers.*`; the
    /// defaults of `config/default.toml` otherwise).
    pub fn with_offer_windows(mut self, settings: &crate::config::OfferSettings) -> Bookings {
        self.offer_windows = OfferWindows::from(settings);
        self
    }

    /// Applies the per-customer limits against hoarding.
    pub fn with_hold_limits(mut self, limits: HoldLimits) -> Bookings {
        self.limits = limits;
        self
    }

    /// The live seat map of a showtime as JSON; `viewer`'s own locks say `mine`.
    #[tracing::instrument(skip_all, fields(showtime_id = %showtime_id, viewer = ?viewer))]
    pub async fn seat_map(
        &self,
        showtime_id: ShowtimeId,
        viewer: Option<UserId>,
    ) -> AppResult<Bytes> {
        let actor = self.registry.get(showtime_id).await?;
        Ok(actor
            .send(GetSeatMap {
                viewer,
                now: self.clock.now(),
            })
            .await?)
    }

    /// Follows a showtime's seat map live, from `last_event_id` when a
    /// client reconnects.
    #[tracing::instrument(skip_all, fields(showtime_id = %showtime_id, last_event_id = ?last_event_id))]
    pub async fn subscribe(
        &self,
        showtime_id: ShowtimeId,
        last_event_id: Option<u64>,
    ) -> AppResult<Subscription> {
        let actor = self.registry.get(showtime_id).await?;
        Ok(actor.send(Subscribe { last_event_id }).await?)
    }

    /// Cancels a showtime (an admin's act): holds and pending payments are
    /// voided, sold tickets refunded; the refunds and messages it queued are
    /// sent at once. With `offer_move`, each paying customer is offered a
    /// move or the refund instead (DESIGN 4c).
    #[tracing::instrument(skip_all, fields(showtime_id = %showtime_id))]
    pub async fn cancel_showtime(
        &self,
        showtime_id: ShowtimeId,
        reason: &str,
        offer_move: bool,
        by: UserId,
    ) -> AppResult<ShowtimeCancelled> {
        let offer = offer_move.then_some(self.offer_windows);
        let done = self
            .registry
            .cancel(showtime_id, reason, offer, Some(by))
            .await?;
        self.refunds.wake();
        self.notifier.wake();
        Ok(ShowtimeCancelled {
            already_cancelled: done.already_cancelled,
            bookings_voided: done.bookings_voided,
            offers_made: offer_move.then_some(done.offers_made),
            refunds_queued: done.refunds_queued,
            showtime_id,
            status: "cancelled",
            tickets_refunded: done.tickets_refunded,
        })
    }

    /// Takes `seats` of a showtime off sale (an admin's act), all or none;
    /// `reason` is 1 to 200 characters (422 `invalid_reason`).
    #[tracing::instrument(skip_all, fields(showtime_id = %showtime_id))]
    pub async fn block_seats(
        &self,
        showtime_id: ShowtimeId,
        seats: Vec<String>,
        reason: &str,
        by: UserId,
    ) -> AppResult<BlockedSeats> {
        let reason = crate::error::required_text(
            reason,
            200,
            "reason",
            "invalid_reason",
            "say why the seats are blocked",
        )?;
        let actor = self.registry.get(showtime_id).await?;
        actor
            .send(BlockSeats {
                seats,
                reason,
                by: Some(by),
                now: self.clock.now(),
            })
            .await?
    }

    /// Puts one blocked seat of a showtime back on sale (an admin's act).
    #[tracing::instrument(skip_all, fields(showtime_id = %showtime_id))]
    pub async fn unblock_seat(
        &self,
        showtime_id: ShowtimeId,
        seat: String,
        by: UserId,
    ) -> AppResult<BlockedSeats> {
        let actor = self.registry.get(showtime_id).await?;
        actor
            .send(UnblockSeat {
                seat,
                by: Some(by),
                now: self.clock.now(),
            })
            .await?
    }

    /// Locks `seats` of a showtime for `user` in a new booking.
    #[tracing::instrument(skip_all, fields(user_id = %user, showtime_id = %showtime_id))]
    /// At the box office when `box_office` (an admin, who may hold a
    /// wheelchair space without its companion seat).
    pub async fn hold(
        &self,
        user: UserId,
        box_office: bool,
        showtime_id: ShowtimeId,
        seats: Vec<String>,
    ) -> AppResult<BookingSummary> {
        let count = seats.len();
        self.new_hold(user, showtime_id, count, |now| HoldSeats {
            user,
            box_office,
            seats,
            now,
        })
        .await
    }

    /// Sends a new hold of `count` seats to its showtime's actor within the
    /// customer's hold limits, stamped with the time now.
    async fn new_hold<M>(
        &self,
        user: UserId,
        showtime_id: ShowtimeId,
        count: usize,
        hold: impl FnOnce(DateTime<Utc>) -> M,
    ) -> AppResult<BookingSummary>
    where
        M: actix::Message<Result = AppResult<BookingState>> + Send + 'static,
        ShowtimeActor: actix::Handler<M>,
    {
        let now = self.clock.now();
        let turn = self
            .limits
            .turn(&self.store, user, count, true, to_millis(now))
            .await?;
        let actor = self.registry.get(showtime_id).await?;
        let held = actor.send(hold(now)).await??;
        if let Some(turn) = turn {
            turn.held();
        }
        Ok(self.summary_of_held(held))
    }

    /// Holds the best `count` adjacent seats of a showtime (of `class`, if
    /// given) for `user` in a new booking, as a hold of that many seats.
    #[tracing::instrument(skip_all, fields(user_id = %user, showtime_id = %showtime_id))]
    pub async fn hold_best(
        &self,
        user: UserId,
        showtime_id: ShowtimeId,
        count: usize,
        class: Option<String>,
    ) -> AppResult<BookingSummary> {
        self.new_hold(user, showtime_id, count, |now| HoldBestSeats {
            user,
            count,
            class,
            now,
        })
        .await
    }

    /// Adds one seat to a held booking, or takes one out of it.
    #[tracing::instrument(skip_all, fields(user_id = %user, booking_id = %booking_id, ?edit))]
    pub async fn edit_seat(
        &self,
        user: UserId,
        box_office: bool,
        booking_id: &BookingId,
        seat: String,
        edit: SeatEdit,
    ) -> AppResult<BookingSummary> {
        // An added seat counts against the customer's seats at once.
        let turn = match edit {
            SeatEdit::Add => {
                let now = to_millis(self.clock.now());
                self.limits.turn(&self.store, user, 1, false, now).await?
            }
            SeatEdit::Remove => None,
        };
        let changed = self
            .change_held(user, booking_id, |now| EditSeat {
                user,
                box_office,
                booking_id: booking_id.clone(),
                seat,
                edit,
                now,
            })
            .await;
        drop(turn);
        changed
    }

    #[tracing::instrument(skip_all, fields(user_id = %user, booking_id = %booking_id))]
    pub async fn release(&self, user: UserId, booking_id: &BookingId) -> AppResult<()> {
        let actor = self.actor_of(user, booking_id).await?;
        actor
            .send(ReleaseBooking {
                user,
                booking_id: booking_id.clone(),
                now: self.clock.now(),
            })
            .await??;
        Ok(())
    }

    /// Freezes the booking and opens a payment with the configured gateway.
    #[tracing::instrument(skip_all, fields(user_id = %user, booking_id = %booking_id))]
    pub async fn start_payment(
        &self,
        user: UserId,
        booking_id: &BookingId,
    ) -> AppResult<PaymentCheckout> {
        let showtime_id = self.route(user, booking_id).await?;
        let actor = self.registry.get(showtime_id).await?;
        let started = actor
            .send(StartPayment {
                user,
                booking_id: booking_id.clone(),
                provider: self.payments.provider().to_string(),
                now: self.clock.now(),
            })
            .await??;
        let redirect_url = self
            .payments
            .open_checkout(user, booking_id, showtime_id, &started)
            .await?;
        Ok(PaymentCheckout {
            redirect_url,
            payment_id: started.payment_id,
            booking_id: booking_id.clone(),
            provider: self.payments.provider().to_string(),
            amount: started.amount,
            currency: started.currency,
            expires_at: rfc3339(started.expires_at, zone(&started.timezone)),
            timezone: started.timezone,
            created: started.created,
        })
    }

    /// Sends a change to a held booking `user` owns (404 for anyone else's)
    /// to its actor, stamped with the time now; answers the new summary.
    async fn change_held<M>(
        &self,
        user: UserId,
        booking_id: &BookingId,
        change: impl FnOnce(DateTime<Utc>) -> M,
    ) -> AppResult<BookingSummary>
    where
        M: actix::Message<Result = AppResult<BookingState>> + Send + 'static,
        ShowtimeActor: actix::Handler<M>,
    {
        let actor = self.actor_of(user, booking_id).await?;
        let held = actor.send(change(self.clock.now())).await??;
        Ok(self.summary_of_held(held))
    }

    /// The summary of a booking that is still being put together, straight
    /// from the actor's answer: the hot path of a flash sale reads no table.
    fn summary_of_held(&self, held: BookingState) -> BookingSummary {
        let info = &held.showtime;
        let offset = zone(&info.timezone);
        let price_lines = price_lines(&held.seats);
        BookingSummary {
            id: held.booking_id,
            status: held.status,
            showtime_id: held.showtime_id,
            showtime_status: held.showtime_status,
            movie_id: info.movie_id,
            movie_title: info.movie_title.clone(),
            cinema_id: info.cinema_id,
            cinema: info.cinema.clone(),
            auditorium: info.auditorium.clone(),
            starts_at: rfc3339(info.starts_at, offset),
            ends_at: rfc3339(info.ends_at, offset),
            timezone: info.timezone.clone(),
            total: price_lines.iter().map(|l| l.amount).sum(),
            price_lines,
            seats: held.seats,
            currency: self.locale.currency.clone(),
            created_at: rfc3339(held.created_at, offset),
            expires_at: rfc3339(held.expires_at, offset),
            payment: None,
            tickets: Vec::new(),
            refund: None,
            moved_to: None,
            moved_from: None,
        }
    }

    /// The actor that owns a booking `user` owns; 404 for anyone else's.
    async fn actor_of(&self, user: UserId, booking_id: &BookingId) -> AppResult<ActorRef> {
        self.registry.get(self.route(user, booking_id).await?).await
    }

    /// The showtime of a booking `user` owns; 404 for anyone else's.
    async fn route(&self, user: UserId, booking_id: &BookingId) -> AppResult<ShowtimeId> {
        let id = booking_id.to_string();
        let found = self
            .store
            .read(move |conn| {
                Ok(conn
                    .prepare_cached(query!("bookings/booking_route"))?
                    .query_row(params![id], |r| {
                        Ok((r.get::<_, ShowtimeId>(0)?, r.get::<_, UserId>(1)?))
                    })
                    .optional()?)
            })
            .await?;
        match found {
            Some((showtime_id, owner)) if owner == user => Ok(showtime_id),
            _ => Err(AppError::NotFound("booking")),
        }
    }

    #[tracing::instrument(skip_all, fields(user_id = %user, booking_id = %booking_id))]
    pub async fn summary(&self, user: UserId, booking_id: &BookingId) -> AppResult<BookingSummary> {
        let id = booking_id.to_string();
        let locale = self.locale.clone();
        let now = to_millis(self.clock.now());
        self.store
            .read(move |conn| summary(conn, &locale, user, &id, now))
            .await
    }

    /// The customer's bookings, newest first.
    #[tracing::instrument(skip_all, fields(user_id = %user))]
    pub async fn list(&self, user: UserId) -> AppResult<Vec<BookingSummary>> {
        let locale = self.locale.clone();
        let now = to_millis(self.clock.now());
        self.store
            .read(move |conn| {
                let ids = conn
                    .prepare_cached(query!("bookings/bookings_of_user"))?
                    .query_map(params![user, LIST_LIMIT], |r| r.get::<_, BookingId>(0))?
                    .collect::<Result<Vec<_>, _>>()?;
                ids.iter()
                    .map(|id| summary(conn, &locale, user, id, now))
                    .collect()
            })
            .await
    }
}

fn summary(
    conn: &Connection,
    locale: &Locale,
    user: UserId,
    booking_id: &str,
    now: i64,
) -> AppResult<BookingSummary> {
    let mut booking = conn
        .prepare_cached(query!("bookings/booking_summary"))?
        .query_row(params![booking_id, user], |r| {
            let status =
                BookingStatus::parse(&r.get::<_, String>(2)?).unwrap_or(BookingStatus::Expired);
            let expires_at: i64 = r.get(4)?;
            let timezone: String = r.get(13)?;
            let offset = zone(&timezone);
            // Reads never wait for the sweep: a hold past its deadline is expired now.
            let status = if status.is_open() && expires_at <= now {
                BookingStatus::Expired
            } else {
                status
            };
            Ok(BookingSummary {
                id: r.get(0)?,
                showtime_id: r.get(1)?,
                status,
                created_at: rfc3339(r.get(3)?, offset),
                expires_at: rfc3339(expires_at, offset),
                starts_at: rfc3339(r.get(5)?, offset),
                ends_at: rfc3339(r.get(6)?, offset),
                timezone,
                showtime_status: r.get(7)?,
                movie_id: r.get(8)?,
                movie_title: r.get(9)?,
                cinema_id: r.get(10)?,
                cinema: r.get(11)?,
                auditorium: r.get(12)?,
                seats: Vec::new(),
                price_lines: Vec::new(),
                total: 0,
                currency: locale.currency.clone(),
                payment: None,
                tickets: Vec::new(),
                refund: None,
                moved_to: r.get(14)?,
                moved_from: r.get(15)?,
            })
        })
        .optional()?
        .ok_or(AppError::NotFound("booking"))?;
    booking.seats = conn
        .prepare_cached(query!("bookings/booking_seats"))?
        .query_map(params![booking_id], |r| {
            Ok(SeatLine {
                id: r.get(0)?,
                class: r.get(1)?,
                price: r.get(2)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    booking.price_lines = price_lines(&booking.seats);
    booking.total = booking.price_lines.iter().map(|l| l.amount).sum();
    let offset = zone(&booking.timezone);
    booking.payment = conn
        .prepare_cached(query!("bookings/booking_payment"))?
        .query_row(params![booking_id], |r| {
            Ok(PaymentView {
                payment_id: r.get(0)?,
                provider: r.get(1)?,
                status: r.get(2)?,
                amount: r.get(3)?,
                currency: r.get(4)?,
                expires_at: rfc3339(r.get(5)?, offset),
                completed_at: r.get::<_, Option<i64>>(6)?.map(|t| rfc3339(t, offset)),
                refund_reason: r.get(7)?,
                redirect_url: r.get(8)?,
            })
        })
        .optional()?;
    // A pending payment of a hold that ran out is expired with it, whether or
    // not the sweep has recorded that yet.
    if booking.status == BookingStatus::Expired
        && let Some(payment) = booking.payment.as_mut()
        && payment.status == PaymentStatus::Pending
    {
        payment.status = PaymentStatus::Expired;
    }
    booking.tickets = conn
        .prepare_cached(query!("bookings/booking_tickets"))?
        .query_map(params![booking_id], |r| {
            Ok(TicketRef {
                id: r.get(0)?,
                seat: r.get(1)?,
                status: r.get(2)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    booking.refund = conn
        .prepare_cached(query!("bookings/booking_refund"))?
        .query_row(params![booking_id], |r| {
            let status: String = r.get(0)?;
            Ok(RefundState {
                status: match status.as_str() {
                    "retrying" => "pending".into(),
                    "failed" => "manual".into(),
                    _ => status,
                },
                amount: r.get(1)?,
                currency: r.get(2)?,
                reason: r.get(3)?,
                completed_at: r.get::<_, Option<i64>>(4)?.map(|t| rfc3339(t, offset)),
            })
        })
        .optional()?;
    Ok(booking)
}

/// One line per seat class and price: quantity × unit price.
fn price_lines(seats: &[SeatLine]) -> Vec<PriceLine> {
    let mut lines: BTreeMap<(String, i64), i64> = BTreeMap::new();
    for seat in seats {
        *lines.entry((seat.class.clone(), seat.price)).or_default() += 1;
    }
    lines
        .into_iter()
        .map(|((class, unit_price), quantity)| PriceLine {
            class,
            quantity,
            unit_price,
            amount: unit_price * quantity,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cancel_answer_is_the_json_object_it_always_was() {
        let answer = ShowtimeCancelled {
            already_cancelled: false,
            offers_made: None,
            bookings_voided: 2,
            refunds_queued: 1,
            showtime_id: ShowtimeId(7),
            status: "cancelled",
            tickets_refunded: 3,
        };
        let before = serde_json::json!({
            "showtime_id": 7,
            "status": "cancelled",
            "already_cancelled": false,
            "bookings_voided": 2,
            "tickets_refunded": 3,
            "refunds_queued": 1,
        });
        assert_eq!(
            serde_json::to_string(&answer).ok(),
            serde_json::to_string(&before).ok()
        );
    }
}
