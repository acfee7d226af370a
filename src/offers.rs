//! The cancelled-showtime offer (DESIGN 4c), as its customer and the clock
//! see it: the choices, a move, the refund, and the refund that goes ahead
//! by itself after `offers.decide_within`.
//!
//! One decision per booking, durable before anything else changes
//! (`refunds::offers`): a move is decided first, then the target showtime's
//! actor sells the seats and withdraws the refund in one savepoint. Between
//! the two a crash may fall; the minute job ([`Offers::resume_moves`]) then
//! makes the decided move, exactly once (the new booking's id is part of the
//! decision, and the target answers a move it already made). A move the
//! target refuses (its seats were taken meanwhile) is undone: the offer
//! stands, and the customer gets the target's 409.

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::{
    clock::{SharedClock, rfc3339, to_millis, zone},
    error::{AppError, AppResult},
    ids::{BookingId, PaymentId, ShowtimeId, UserId},
    notify::Notifier,
    refunds::{
        Refunds,
        offers::{self, DecidedBy},
    },
    seats::{
        ShowtimeRegistry,
        actor::{BookingMovedOut, MoveIntoShowtime, OfferMove},
        book::{MoveIn, seats_not_offered},
    },
    store::Store,
};

/// Showtimes an offer lists at most: each is asked by its actor on every
/// look at the offer (a week of a movie in one cinema is some 20–40).
const MAX_CHOICES: i64 = 40;
/// Target showtimes asked at once for an offer's choices.
const CHOICES_AT_ONCE: usize = 8;
/// Offers the timeout job decides per round.
const DUE_BATCH: i64 = 500;
/// A move decided this long ago and not done is taken up again: a request
/// in flight finishes well within it.
const STALLED_AFTER_MS: i64 = 60_000;

/// Where an offer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OfferStatus {
    /// Nothing decided yet.
    Pending,
    /// A move is decided and on its way (seconds; after a crash, the next
    /// minute).
    Moving,
    Moved,
    Refunded,
}

/// A seat the customer paid for.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PaidSeat {
    pub seat: String,
    pub class: String,
    pub price: i64,
}

/// A showtime the customer may move to.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MoveTarget {
    pub showtime_id: ShowtimeId,
    pub starts_at: String,
    pub auditorium: String,
    /// Free seats of a class the customer may take.
    pub free_seats: usize,
    /// The best adjacent seats they may take there (may be empty).
    pub suggested_seats: Vec<String>,
}

/// The offer as its customer sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OfferView {
    pub booking_id: BookingId,
    pub status: OfferStatus,
    /// The cancelled showtime.
    pub showtime_id: ShowtimeId,
    /// Undecided then, the refund goes ahead by itself.
    pub decide_by: String,
    /// A move goes to a showtime starting before this.
    pub move_until: String,
    /// The cinema's IANA time zone, whose offset the times carry.
    pub timezone: String,
    pub amount: i64,
    pub currency: String,
    pub seats: Vec<PaidSeat>,
    /// The booking the customer moved to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_to: Option<BookingId>,
    /// Showtimes with enough free seats to move to (only while pending).
    pub choices: Vec<MoveTarget>,
}

/// What the timeout and resume jobs did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OfferRound {
    /// Offers that ran out and were refunded.
    pub refunded: usize,
    /// Decided moves made now (after a crash or a failed write).
    pub moved: usize,
    /// Decided moves the target refused, or that could not be made by the
    /// offer's deadline; their offers stand again (or are refunded next).
    pub undone: usize,
    /// Decided moves that failed for now (storage, a target that will not
    /// load): tried again next round.
    pub failed: usize,
}

/// An offer row with what its booking paid.
#[derive(Debug, Clone)]
struct Offer {
    booking_id: BookingId,
    showtime_id: ShowtimeId,
    move_until: i64,
    decide_by: i64,
    decision: Option<String>,
    move_booking_id: Option<BookingId>,
    moved_at: Option<i64>,
    amount: i64,
    currency: String,
    movie_id: i64,
    cinema_id: i64,
    timezone: String,
    seats: Vec<PaidSeat>,
}

impl Offer {
    fn status(&self) -> OfferStatus {
        match (self.decision.as_deref(), self.moved_at) {
            (Some("refund"), _) => OfferStatus::Refunded,
            (Some("move"), Some(_)) => OfferStatus::Moved,
            (Some("move"), None) => OfferStatus::Moving,
            _ => OfferStatus::Pending,
        }
    }

    fn paid(&self) -> Vec<(String, i64)> {
        self.seats
            .iter()
            .map(|s| (s.class.clone(), s.price))
            .collect()
    }
}

/// A move as it was decided.
#[derive(Debug, Clone)]
struct DecidedMove {
    from_booking: BookingId,
    /// The offer's deadline.
    decide_by: i64,
    /// The cancelled showtime.
    source: ShowtimeId,
    user: UserId,
    target: ShowtimeId,
    seats: Vec<String>,
    booking_id: BookingId,
}

#[derive(Clone)]
pub struct Offers {
    registry: ShowtimeRegistry,
    store: Store,
    clock: SharedClock,
    notifier: Notifier,
    refunds: Refunds,
}

impl Offers {
    pub fn new(
        registry: ShowtimeRegistry,
        store: Store,
        clock: SharedClock,
        notifier: Notifier,
        refunds: Refunds,
    ) -> Offers {
        Offers {
            registry,
            store,
            clock,
            notifier,
            refunds,
        }
    }

    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// The offer of `user`'s booking, with the showtimes they may move to
    /// while it is pending. 404 when there is none (or it is not theirs).
    pub async fn view(&self, user: UserId, booking_id: &BookingId) -> AppResult<OfferView> {
        let offer = self.load(user, booking_id).await?;
        let now = self.clock.now();
        let mut choices = Vec::new();
        if offer.status() == OfferStatus::Pending && to_millis(now) < offer.decide_by {
            choices = self.choices(&offer, now).await?;
        }
        Ok(view(&offer, choices))
    }

    /// The customer takes the refund now.
    pub async fn choose_refund(
        &self,
        user: UserId,
        booking_id: &BookingId,
    ) -> AppResult<OfferView> {
        let offer = self.load(user, booking_id).await?;
        let id = offer.booking_id.to_string();
        let now = to_millis(self.clock.now());
        let decided = self
            .store
            .write(move |conn| offers::decide_refund(conn, &id, DecidedBy::Customer, now))
            .await?;
        if !decided {
            return Err(decided_already(&offer));
        }
        self.refunds.wake();
        self.view(user, booking_id).await
    }

    /// The customer moves to `seats` of `target`: decided durably first,
    /// then sold by the target's actor with the refund withdrawn.
    pub async fn move_to(
        &self,
        user: UserId,
        booking_id: &BookingId,
        target: ShowtimeId,
        seats: Vec<String>,
    ) -> AppResult<OfferView> {
        let offer = self.load(user, booking_id).await?;
        let now = to_millis(self.clock.now());
        if offer.status() != OfferStatus::Pending {
            return Err(decided_already(&offer));
        }
        if now >= offer.decide_by {
            return Err(ran_out());
        }
        self.ensure_target(&offer, target, now).await?;
        if seats.len() != offer.seats.len() {
            return Err(seats_not_offered(offer.seats.len()));
        }
        let decided = DecidedMove {
            from_booking: offer.booking_id.clone(),
            decide_by: offer.decide_by,
            source: offer.showtime_id,
            user,
            target,
            seats,
            booking_id: BookingId::random(),
        };
        let record = decided.clone();
        let made = self
            .store
            .write(move |conn| {
                offers::decide_move(
                    conn,
                    &record.from_booking,
                    record.target,
                    &record.seats,
                    &record.booking_id,
                    now,
                )
            })
            .await?;
        if !made {
            let offer = self.load(user, booking_id).await?;
            return Err(match offer.status() {
                OfferStatus::Pending => ran_out(),
                _ => decided_already(&offer),
            });
        }
        // The kill -9 test stops the binary here: decided, nothing else done.
        #[cfg(feature = "failpoints")]
        fail::fail_point!("offer-move-decided");
        self.carry_out(&decided).await?;
        self.view(user, booking_id).await
    }

    /// Refunds every offer undecided at `now`'s deadline, and makes the
    /// moves decided before `now` − a minute that never took effect.
    pub async fn run_due(&self, now: DateTime<Utc>) -> AppResult<OfferRound> {
        let mut round = self.refund_undecided(now).await?;
        let resumed = self
            .resume_moves(to_millis(now).saturating_sub(STALLED_AFTER_MS))
            .await?;
        round.moved = resumed.moved;
        round.undone = resumed.undone;
        round.failed = resumed.failed;
        round.refunded += resumed.refunded;
        Ok(round)
    }

    /// The offers nobody decided by their deadline: the refund goes ahead.
    pub async fn refund_undecided(&self, now: DateTime<Utc>) -> AppResult<OfferRound> {
        let now = to_millis(now);
        let refunded = self
            .store
            .write(move |conn| {
                let due = conn
                    .prepare_cached(query!("offers/due_offers"))?
                    .query_map(params![now, DUE_BATCH], |r| r.get::<_, String>(0))?
                    .collect::<Result<Vec<_>, _>>()?;
                let mut refunded = 0;
                for booking_id in due {
                    if offers::decide_refund(conn, &booking_id, DecidedBy::Timeout, now)? {
                        refunded += 1;
                    }
                }
                Ok(refunded)
            })
            .await?;
        if refunded > 0 {
            self.refunds.wake();
        }
        Ok(OfferRound {
            refunded,
            ..OfferRound::default()
        })
    }

    /// Makes the moves decided at or before `decided_before` that have not
    /// taken effect (at start: all of them).
    pub async fn resume_moves(&self, decided_before: i64) -> AppResult<OfferRound> {
        let stalled = self
            .store
            .read(move |conn| stalled_moves(conn, decided_before))
            .await?;
        let mut round = OfferRound::default();
        let now = to_millis(self.clock.now());
        for decided in stalled {
            match self.carry_out(&decided).await {
                Ok(()) => round.moved += 1,
                Err(error) if is_refusal(&error) => {
                    tracing::warn!(booking_id = %decided.from_booking, %error,
                        "a decided move was refused when taken up again; the offer stands");
                    round.undone += 1;
                }
                // Past the offer's deadline a move that still cannot be made
                // (its target will not load, storage keeps failing) is given
                // up: undone and refunded in one write, as an undecided offer
                // would be. Before that, it is tried again.
                Err(error) if now >= decided.decide_by => {
                    tracing::error!(booking_id = %decided.from_booking, %error,
                        "a decided move could not be made by the offer's deadline; refunding instead");
                    let (from, new) = (
                        decided.from_booking.to_string(),
                        decided.booking_id.to_string(),
                    );
                    let given_up = self
                        .store
                        .write(move |conn| {
                            Ok(offers::undo_move(conn, &from, &new)?
                                && offers::decide_refund(conn, &from, DecidedBy::Timeout, now)?)
                        })
                        .await;
                    match given_up {
                        Ok(true) => {
                            round.undone += 1;
                            round.refunded += 1;
                            self.refunds.wake();
                        }
                        Ok(false) => {}
                        Err(error) => {
                            tracing::warn!(booking_id = %decided.from_booking, %error,
                                "a move past its deadline could not be given up now; tried again next minute");
                            round.failed += 1;
                        }
                    }
                }
                Err(error) => {
                    tracing::warn!(booking_id = %decided.from_booking, %error,
                        "a decided move could not be made now; tried again next minute");
                    round.failed += 1;
                }
            }
        }
        Ok(round)
    }

    /// The decided move, made by the target's actor. A refusal undoes the
    /// decision; any other failure leaves it for [`Offers::resume_moves`].
    async fn carry_out(&self, decided: &DecidedMove) -> AppResult<()> {
        let from = decided.from_booking.to_string();
        let (paid_by, paid) = self
            .store
            .read(move |conn| {
                let paid = paid_seats(conn, &from)?;
                Ok((payment_of(conn, &from)?, paid))
            })
            .await?;
        let request = MoveIn {
            user: decided.user,
            booking_id: decided.booking_id.clone(),
            from_booking: decided.from_booking.clone(),
            paid_by,
            payment_id: PaymentId::random(),
            seats: decided.seats.clone(),
            paid: paid.into_iter().map(|s| (s.class, s.price)).collect(),
        };
        let moved: AppResult<_> = async {
            let actor = self.registry.get(decided.target).await?;
            actor
                .send(MoveIntoShowtime {
                    request,
                    now: self.clock.now(),
                })
                .await?
        }
        .await;
        match moved {
            Ok(_) => {
                self.notifier.wake();
                // The cancelled showtime's memory follows its database row.
                // (Only a loaded one: a later load reads the row.)
                if let Some(source) = self.registry.loaded(decided.source) {
                    source.do_send(BookingMovedOut {
                        booking_id: decided.from_booking.clone(),
                    });
                }
                Ok(())
            }
            Err(error) if is_refusal(&error) => {
                let (from, new) = (
                    decided.from_booking.to_string(),
                    decided.booking_id.to_string(),
                );
                let undone = self
                    .store
                    .write(move |conn| offers::undo_move(conn, &from, &new))
                    .await?;
                if undone {
                    return Err(error);
                }
                // Nothing to undo: the same move may have been made meanwhile
                // (a resumed one racing this request), and then it stands.
                let now = self.load(decided.user, &decided.from_booking).await?;
                if now.status() == OfferStatus::Moved
                    && now.move_booking_id.as_ref() == Some(&decided.booking_id)
                {
                    Ok(())
                } else {
                    Err(error)
                }
            }
            Err(error) => Err(error),
        }
    }

    /// 422 `move_not_offered` unless `target` is another scheduled showtime
    /// of the same movie in the same cinema, not started, starting before
    /// the offer's `move_until`.
    async fn ensure_target(&self, offer: &Offer, target: ShowtimeId, now: i64) -> AppResult<()> {
        let (movie_id, cinema_id, until) = (offer.movie_id, offer.cinema_id, offer.move_until);
        let offered = self
            .store
            .read(move |conn| {
                let targets = move_targets(conn, movie_id, cinema_id, now, until, Some(target))?;
                Ok(!targets.is_empty())
            })
            .await?;
        if offered && target != offer.showtime_id {
            Ok(())
        } else {
            Err(AppError::validation(
                "move_not_offered",
                "move to another showtime of the same movie in the same cinema, \
                 not started and within the offer's window",
            ))
        }
    }

    /// The showtimes with enough free seats of a class the customer may take.
    async fn choices(&self, offer: &Offer, now: DateTime<Utc>) -> AppResult<Vec<MoveTarget>> {
        let (movie_id, cinema_id, until) = (offer.movie_id, offer.cinema_id, offer.move_until);
        let at = to_millis(now);
        let targets = self
            .store
            .read(move |conn| move_targets(conn, movie_id, cinema_id, at, until, None))
            .await?;
        let offset = zone(&offer.timezone);
        let paid = offer.paid();
        // Asked a few at a time (a loaded showtime answers from memory; one
        // that is not is read from SQLite first), in the order of their starts.
        let answers: Vec<_> = futures_util::stream::iter(
            targets
                .into_iter()
                .filter(|(showtime_id, _, _)| *showtime_id != offer.showtime_id),
        )
        .map(|target| {
            let paid = paid.clone();
            async move {
                let asked: AppResult<_> = async {
                    let actor = self.registry.get(target.0).await?;
                    actor.send(OfferMove { paid, now }).await?
                }
                .await;
                (target, asked)
            }
        })
        .buffered(CHOICES_AT_ONCE)
        .collect()
        .await;
        let mut choices = Vec::new();
        for ((showtime_id, starts_at, auditorium), asked) in answers {
            // A showtime that will not load (its admins are alerted) is
            // left out, not the whole offer.
            let choice = match asked {
                Ok(choice) => choice,
                Err(error) => {
                    tracing::warn!(showtime_id = %showtime_id, %error, "a showtime left out of an offer");
                    None
                }
            };
            if let Some(choice) = choice.filter(|c| c.free_seats >= offer.seats.len()) {
                choices.push(MoveTarget {
                    showtime_id,
                    starts_at: rfc3339(starts_at, offset),
                    auditorium,
                    free_seats: choice.free_seats,
                    suggested_seats: choice.suggested,
                });
            }
        }
        Ok(choices)
    }

    async fn load(&self, user: UserId, booking_id: &BookingId) -> AppResult<Offer> {
        let id = booking_id.to_string();
        self.store
            .read(move |conn| load_offer(conn, &id, user))
            .await?
            .ok_or(AppError::NotFound("offer"))
    }
}

/// Everything but a refusal (storage, an overloaded writer, a showtime that
/// would not load) may pass: the decision stays, to be made again.
fn is_refusal(error: &AppError) -> bool {
    !matches!(
        error,
        AppError::Storage(_)
            | AppError::Internal(_)
            | AppError::Overloaded { .. }
            | AppError::ShowtimeUnavailable { .. }
    )
}

fn decided_already(offer: &Offer) -> AppError {
    let what = match offer.status() {
        OfferStatus::Refunded => "the refund was chosen",
        OfferStatus::Moved | OfferStatus::Moving => "the booking moved to another showtime",
        OfferStatus::Pending => "the offer is decided",
    };
    AppError::conflict("offer_decided", format!("{what}; an offer is decided once"))
}

fn ran_out() -> AppError {
    AppError::conflict(
        "offer_expired",
        "the time to choose is over; the refund goes ahead",
    )
}

fn view(offer: &Offer, choices: Vec<MoveTarget>) -> OfferView {
    let offset = zone(&offer.timezone);
    let moved_to = match offer.status() {
        OfferStatus::Moved => offer.move_booking_id.clone(),
        _ => None,
    };
    OfferView {
        booking_id: offer.booking_id.clone(),
        status: offer.status(),
        showtime_id: offer.showtime_id,
        decide_by: rfc3339(offer.decide_by, offset),
        move_until: rfc3339(offer.move_until, offset),
        timezone: offer.timezone.clone(),
        amount: offer.amount,
        currency: offer.currency.clone(),
        seats: offer.seats.clone(),
        moved_to,
        choices,
    }
}

fn load_offer(conn: &Connection, booking_id: &str, user: UserId) -> AppResult<Option<Offer>> {
    let offer = conn
        .prepare_cached(query!("offers/offer_of_booking"))?
        .query_row(params![booking_id, user], |r| {
            Ok(Offer {
                booking_id: r.get(0)?,
                showtime_id: r.get(1)?,
                move_until: r.get(2)?,
                decide_by: r.get(3)?,
                decision: r.get(4)?,
                move_booking_id: r.get(9)?,
                moved_at: r.get(10)?,
                amount: r.get(13)?,
                currency: r.get(14)?,
                movie_id: r.get(16)?,
                cinema_id: r.get(17)?,
                timezone: r.get(18)?,
                seats: Vec::new(),
            })
        })
        .optional()?;
    let Some(mut offer) = offer else {
        return Ok(None);
    };
    offer.seats = paid_seats(conn, &offer.booking_id)?;
    Ok(Some(offer))
}

/// The payment that took an offered booking's money.
fn payment_of(conn: &Connection, booking_id: &str) -> AppResult<PaymentId> {
    Ok(conn
        .prepare_cached(query!("offers/payment_of_offer"))?
        .query_row(params![booking_id], |r| r.get(0))?)
}

/// What a booking paid, seat by seat.
fn paid_seats(conn: &Connection, booking_id: &str) -> AppResult<Vec<PaidSeat>> {
    Ok(conn
        .prepare_cached(query!("offers/paid_seats"))?
        .query_map(params![booking_id], |r| {
            Ok(PaidSeat {
                seat: r.get(0)?,
                class: r.get(1)?,
                price: r.get(2)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?)
}

/// The showtimes an offer may move to (`only`: that one, if it may), the
/// first `MAX_CHOICES`.
fn move_targets(
    conn: &Connection,
    movie_id: i64,
    cinema_id: i64,
    now: i64,
    until: i64,
    only: Option<ShowtimeId>,
) -> AppResult<Vec<(ShowtimeId, i64, String)>> {
    Ok(conn
        .prepare_cached(query!("offers/move_targets"))?
        .query_map(
            params![movie_id, cinema_id, now, until, only, MAX_CHOICES],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?
        .collect::<Result<Vec<_>, _>>()?)
}

fn stalled_moves(conn: &Connection, decided_before: i64) -> AppResult<Vec<DecidedMove>> {
    let rows = conn
        .prepare_cached(query!("offers/stalled_moves"))?
        .query_map(params![decided_before, DUE_BATCH], |r| {
            Ok((
                r.get::<_, BookingId>(0)?,
                r.get::<_, UserId>(1)?,
                r.get::<_, ShowtimeId>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, BookingId>(4)?,
                r.get::<_, ShowtimeId>(5)?,
                r.get::<_, i64>(6)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(
            |(from_booking, user, target, seats, booking_id, source, decide_by)| {
                let seats = serde_json::from_str(&seats)
                    .map_err(|e| AppError::Internal(format!("the seats of a decided move: {e}")))?;
                Ok(DecidedMove {
                    from_booking,
                    decide_by,
                    source,
                    user,
                    target,
                    seats,
                    booking_id,
                })
            },
        )
        .collect()
}
