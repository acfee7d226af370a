//! The seat state machine of one showtime, as plain data. It never does I/O:
//! each change mutates memory and appends the [`Op`]s that make the same change
//! durable. The actor persists those ops before it answers, so memory and
//! SQLite never disagree about an acknowledged change.
//!
//! Expiry is data: every open booking sits in `expiries` ordered by its
//! deadline, and each message first expires what is due at its `now`, so a
//! seat is never unavailable past its hold even before the sweep runs.
#![allow(clippy::indexing_slicing, clippy::unwrap_used)] // TODO(h1-merge): fix in the seats/notify/refunds pass

use std::{
    collections::{BTreeSet, HashMap},
    sync::Arc,
};

use rand::RngExt;
use serde::Serialize;

use super::{
    persist::{NewTicket, Op},
    types::*,
};
use crate::{
    error::{AppError, AppResult, FieldError},
    refunds::NewRefund,
};

/// A seat of the auditorium, as laid out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeatDef {
    pub id: String,
    pub row: String,
    pub number: i64,
    pub class: String,
    pub grid_row: i64,
    pub grid_col: i64,
}

/// An auditorium's seats, shared by every showtime in that auditorium (a
/// week of showtimes need not hold a week of copies).
#[derive(Debug, PartialEq, Eq)]
pub struct Layout {
    seats: Vec<SeatDef>,
    index: HashMap<String, usize>,
}

impl Layout {
    pub fn new(seats: Vec<SeatDef>) -> Layout {
        let index = seats
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        Layout { seats, index }
    }

    pub fn position(&self, seat_id: &str) -> Option<usize> {
        self.index.get(seat_id).copied()
    }
}

impl std::ops::Deref for Layout {
    type Target = [SeatDef];

    fn deref(&self) -> &[SeatDef] {
        &self.seats
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeatState {
    Available,
    Locked { booking: BookingId, until: i64 },
    Sold { booking: BookingId },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookedSeat {
    pub seat: usize,
    pub price: i64,
    pub position: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    pub id: BookingId,
    pub user_id: UserId,
    pub status: BookingStatus,
    pub seats: Vec<BookedSeat>,
    pub created_at: i64,
    pub expires_at: i64,
    pub payment_id: Option<PaymentId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub id: PaymentId,
    pub booking_id: BookingId,
    pub status: PaymentStatus,
    pub amount: i64,
    pub expires_at: i64,
    pub refund_reason: Option<String>,
}

/// Limits and prices that come from configuration and the catalog.
#[derive(Debug, Clone)]
pub struct Rules {
    pub hold_ttl_ms: i64,
    pub max_seats: usize,
    pub currency: String,
}

/// Everything the actor knows about one showtime.
#[derive(Debug, Clone)]
pub struct SeatBook {
    pub showtime_id: ShowtimeId,
    pub cancelled: bool,
    pub rules: Rules,
    pub layout: Arc<Layout>,
    pub info: Arc<ShowtimeInfo>,
    pub prices: HashMap<String, i64>,
    pub states: Vec<SeatState>,
    pub bookings: HashMap<BookingId, Booking>,
    pub payments: HashMap<PaymentId, Payment>,
    open_by_user: HashMap<UserId, BookingId>,
    expiries: BTreeSet<(i64, BookingId)>,
    /// Bumped by every change of a seat; clients pair it with the seat map.
    pub version: u64,
}

/// One seat of the seat map as a client sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeatView {
    pub id: String,
    pub row: String,
    pub number: i64,
    pub class: String,
    pub grid_row: i64,
    pub grid_col: i64,
    pub status: SeatStatus,
    pub mine: bool,
}

/// The seat map as served: `GET /showtimes/{id}/seats`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeatMapDoc {
    pub showtime_id: ShowtimeId,
    pub status: &'static str,
    pub version: u64,
    pub seats_total: usize,
    pub seats_available: usize,
    pub seats: Vec<SeatView>,
}

/// What an expiry released.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Expired {
    pub bookings: usize,
    pub seats: usize,
}

/// What cancelling the showtime did; all zero when it was cancelled already.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Cancellation {
    pub already_cancelled: bool,
    /// Open holds and pending payments voided.
    pub bookings_voided: usize,
    /// Sold tickets refunded (their seats are available again).
    pub tickets_refunded: usize,
    /// Refunds recorded and queued, one per paid booking.
    pub refunds_queued: usize,
}

/// What a booking summary shows of its showtime; fixed once scheduled, so it
/// is loaded with the showtime and answers come from memory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ShowtimeInfo {
    pub movie_id: i64,
    pub movie_title: String,
    pub cinema_id: i64,
    pub cinema: String,
    pub auditorium: String,
    pub starts_at: i64,
    pub ends_at: i64,
}

/// A seat of a booking with its class and the price it was locked at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeatLine {
    pub id: String,
    pub class: String,
    pub price: i64,
}

/// A booking as its owner sees it right after a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BookingState {
    pub booking_id: BookingId,
    pub showtime_id: ShowtimeId,
    pub status: BookingStatus,
    pub seats: Vec<SeatLine>,
    pub created_at: i64,
    pub expires_at: i64,
    pub showtime_status: &'static str,
    pub showtime: Arc<ShowtimeInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentStarted {
    pub payment_id: PaymentId,
    pub amount: i64,
    pub currency: String,
    pub expires_at: i64,
    /// False when an already pending payment was handed back.
    pub created: bool,
}

/// What a payment result did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Settlement {
    /// The seats are sold and these tickets were issued.
    Paid { tickets: Vec<String> },
    /// The hold had expired but its seats were still free: sold anyway.
    PaidAfterExpiry { tickets: Vec<String> },
    /// The payment failed; its seats are available again.
    Failed,
    /// Money was taken but no seat can be given; the payment awaits a refund.
    RefundRequired { reason: String },
    /// This result changes nothing (a duplicate or a failure after the end).
    Unchanged { payment_status: PaymentStatus },
}

/// A request to pay that the actor hands out with a fresh id.
#[derive(Debug, Clone)]
pub struct PaymentRequest {
    pub payment_id: PaymentId,
    pub provider: String,
}

impl SeatBook {
    pub fn new(
        showtime_id: ShowtimeId,
        info: Arc<ShowtimeInfo>,
        cancelled: bool,
        rules: Rules,
        layout: Arc<Layout>,
        prices: HashMap<String, i64>,
    ) -> SeatBook {
        let states = vec![SeatState::Available; layout.len()];
        SeatBook {
            showtime_id,
            cancelled,
            rules,
            layout,
            info,
            prices,
            states,
            bookings: HashMap::new(),
            payments: HashMap::new(),
            open_by_user: HashMap::new(),
            expiries: BTreeSet::new(),
            version: 0,
        }
    }

    /// Restores a booking loaded from the database (seat states are restored
    /// separately from the occupancy table, which is authoritative).
    pub fn restore_booking(&mut self, booking: Booking) {
        if booking.status.is_open() {
            // A lapsed hold not yet recorded as expired may sit beside the
            // customer's newer one: the newer one is the open booking.
            let newer = match self
                .open_by_user
                .get(&booking.user_id)
                .and_then(|id| self.bookings.get(id))
            {
                Some(other) => booking.expires_at > other.expires_at,
                None => true,
            };
            if newer {
                self.open_by_user
                    .insert(booking.user_id, booking.id.clone());
            }
            self.expiries
                .insert((booking.expires_at, booking.id.clone()));
        }
        self.bookings.insert(booking.id.clone(), booking);
    }

    pub fn restore_payment(&mut self, payment: Payment) {
        self.payments.insert(payment.id.clone(), payment);
    }

    pub fn seat_index(&self, seat_id: &str) -> Option<usize> {
        self.layout.position(seat_id)
    }

    /// Releases every open booking whose deadline is at or before `now`.
    /// However many there are, the database change is one set-based op.
    pub fn expire_due(&mut self, now: i64, ops: &mut Vec<Op>) -> Expired {
        let mut expired = Expired::default();
        while let Some((at, id)) = self.expiries.first().cloned() {
            if at > now {
                break;
            }
            expired.bookings += 1;
            expired.seats += self.bookings.get(&id).map_or(0, |b| b.seats.len());
            // Recorded below for all of them at once.
            self.close(&id, BookingStatus::Expired);
        }
        if expired.bookings > 0 {
            ops.push(Op::ExpireDue {
                showtime_id: self.showtime_id,
                now,
            });
        }
        expired
    }

    /// Locks `seat_ids` for a new booking of `user`: all of them or none.
    pub fn hold(
        &mut self,
        user: UserId,
        booking_id: BookingId,
        seat_ids: &[String],
        now: i64,
        ops: &mut Vec<Op>,
    ) -> AppResult<BookingState> {
        self.expire_due(now, ops);
        self.ensure_open_for_sale(now)?;
        if seat_ids.is_empty() {
            return Err(AppError::validation("no_seats", "choose at least one seat"));
        }
        if seat_ids.len() > self.rules.max_seats {
            return Err(self.too_many_seats());
        }
        let wanted = self.resolve_seats(seat_ids)?;
        if let Some(open) = self.open_by_user.get(&user) {
            return Err(AppError::BookingAlreadyOpen {
                booking_id: open.clone(),
            });
        }
        let taken: Vec<String> = wanted
            .iter()
            .filter(|&&i| self.states[i] != SeatState::Available)
            .map(|&i| self.layout[i].id.clone())
            .collect();
        if !taken.is_empty() {
            return Err(AppError::SeatUnavailable { seats: taken });
        }

        let expires_at = now.saturating_add(self.rules.hold_ttl_ms);
        ops.push(Op::CreateBooking {
            id: booking_id.clone(),
            showtime_id: self.showtime_id,
            user_id: user,
            now,
            expires_at,
        });
        let mut booking = Booking {
            id: booking_id.clone(),
            user_id: user,
            status: BookingStatus::Held,
            seats: Vec::new(),
            created_at: now,
            expires_at,
            payment_id: None,
        };
        for seat in wanted {
            self.lock_seat(&mut booking, seat, now, ops);
        }
        self.open_by_user.insert(user, booking_id.clone());
        self.expiries.insert((expires_at, booking_id.clone()));
        let state = self.state_of(&booking);
        self.bookings.insert(booking_id, booking);
        self.version += 1;
        Ok(state)
    }

    /// Adds one seat to a held booking; the deadline stays where it was.
    pub fn add_seat(
        &mut self,
        user: UserId,
        booking_id: &str,
        seat_id: &str,
        now: i64,
        ops: &mut Vec<Op>,
    ) -> AppResult<BookingState> {
        self.expire_due(now, ops);
        self.ensure_open_for_sale(now)?;
        let seat = self.resolve_seats(&[seat_id.to_string()])?[0];
        let mut booking = self.owned_held(user, booking_id)?.clone();
        if booking.seats.iter().any(|b| b.seat == seat) {
            return Ok(self.state_of(&booking));
        }
        if booking.seats.len() >= self.rules.max_seats {
            return Err(self.too_many_seats());
        }
        if self.states[seat] != SeatState::Available {
            return Err(AppError::SeatUnavailable {
                seats: vec![seat_id.to_string()],
            });
        }
        self.lock_seat(&mut booking, seat, now, ops);
        let state = self.state_of(&booking);
        self.bookings.insert(booking.id.clone(), booking);
        self.version += 1;
        Ok(state)
    }

    /// Takes one seat out of a held booking and makes it available.
    pub fn remove_seat(
        &mut self,
        user: UserId,
        booking_id: &str,
        seat_id: &str,
        now: i64,
        ops: &mut Vec<Op>,
    ) -> AppResult<BookingState> {
        self.expire_due(now, ops);
        let booking = self.owned_held(user, booking_id)?;
        let seat = self
            .seat_index(seat_id)
            .filter(|i| booking.seats.iter().any(|b| b.seat == *i))
            .ok_or(AppError::NotFound("seat in this booking"))?;
        let mut booking = booking.clone();
        booking.seats.retain(|b| b.seat != seat);
        self.states[seat] = SeatState::Available;
        ops.push(Op::UnlockSeat {
            showtime_id: self.showtime_id,
            booking_id: booking.id.clone(),
            seat_id: seat_id.to_string(),
        });
        let state = self.state_of(&booking);
        self.bookings.insert(booking.id.clone(), booking);
        self.version += 1;
        Ok(state)
    }

    /// Gives up an open booking. Releasing one that already ended is harmless.
    pub fn release(
        &mut self,
        user: UserId,
        booking_id: &str,
        now: i64,
        ops: &mut Vec<Op>,
    ) -> AppResult<BookingState> {
        self.expire_due(now, ops);
        let booking = self.owned(user, booking_id)?;
        match booking.status {
            status if status.is_open() => {
                self.close_recorded(booking_id, BookingStatus::Released, now, ops);
            }
            BookingStatus::Paid => {
                return Err(AppError::conflict(
                    "booking_paid",
                    "a paid booking cannot be released",
                ));
            }
            _ => {}
        }
        let booking = self.owned(user, booking_id)?;
        Ok(self.state_of(booking))
    }

    /// Freezes a held booking's seats while its owner pays. The payment must
    /// complete before the hold's own deadline.
    pub fn start_payment(
        &mut self,
        user: UserId,
        booking_id: &str,
        request: PaymentRequest,
        now: i64,
        ops: &mut Vec<Op>,
    ) -> AppResult<PaymentStarted> {
        self.expire_due(now, ops);
        let booking = self.owned(user, booking_id)?;
        match booking.status {
            BookingStatus::Held => {}
            BookingStatus::AwaitingPayment => {
                let payment = booking
                    .payment_id
                    .as_ref()
                    .and_then(|p| self.payments.get(p))
                    .ok_or_else(|| AppError::Internal("awaited payment is missing".into()))?;
                return Ok(PaymentStarted {
                    payment_id: payment.id.clone(),
                    amount: payment.amount,
                    currency: self.rules.currency.clone(),
                    expires_at: payment.expires_at,
                    created: false,
                });
            }
            status => return Err(not_open(status)),
        }
        if booking.seats.is_empty() {
            return Err(AppError::validation(
                "booking_empty",
                "add at least one seat before paying",
            ));
        }
        let amount: i64 = booking.seats.iter().map(|s| s.price).sum();
        let expires_at = booking.expires_at;
        let payment = Payment {
            id: request.payment_id.clone(),
            booking_id: booking_id.to_string(),
            status: PaymentStatus::Pending,
            amount,
            expires_at,
            refund_reason: None,
        };
        ops.push(Op::CreatePayment {
            id: payment.id.clone(),
            booking_id: booking_id.to_string(),
            provider: request.provider,
            amount,
            currency: self.rules.currency.clone(),
            now,
            expires_at,
        });
        ops.push(Op::SetBookingStatus {
            booking_id: booking_id.to_string(),
            status: BookingStatus::AwaitingPayment,
            now,
        });
        if let Some(b) = self.bookings.get_mut(booking_id) {
            b.status = BookingStatus::AwaitingPayment;
            b.payment_id = Some(payment.id.clone());
        }
        self.payments.insert(payment.id.clone(), payment);
        Ok(PaymentStarted {
            payment_id: request.payment_id,
            amount,
            currency: self.rules.currency.clone(),
            expires_at,
            created: true,
        })
    }

    /// Applies a payment result. Safe to repeat, late or out of order: a seat
    /// only becomes SOLD for a booking that holds it or finds it still free.
    pub fn settle_payment(
        &mut self,
        payment_id: &str,
        succeeded: bool,
        now: i64,
        ops: &mut Vec<Op>,
    ) -> AppResult<Settlement> {
        self.expire_due(now, ops);
        let payment = self
            .payments
            .get(payment_id)
            .ok_or(AppError::NotFound("payment"))?
            .clone();
        let booking = self
            .bookings
            .get(&payment.booking_id)
            .ok_or_else(|| AppError::Internal("payment without its booking".into()))?
            .clone();

        if payment.status == PaymentStatus::Succeeded {
            return Ok(Settlement::Unchanged {
                payment_status: payment.status,
            });
        }
        let awaited = booking.status == BookingStatus::AwaitingPayment
            && booking.payment_id.as_deref() == Some(payment_id)
            && payment.status == PaymentStatus::Pending;
        if !succeeded {
            if awaited {
                self.close_recorded(&booking.id, BookingStatus::PaymentFailed, now, ops);
                return Ok(Settlement::Failed);
            }
            if payment.status == PaymentStatus::Pending {
                self.set_payment(payment_id, PaymentStatus::Failed, None, now, ops);
                return Ok(Settlement::Failed);
            }
            return Ok(Settlement::Unchanged {
                payment_status: payment.status,
            });
        }
        if awaited {
            let tickets = self.sell(&booking, payment_id, now, ops);
            return Ok(Settlement::Paid { tickets });
        }
        // Money arrived for a booking that no longer holds its seats.
        let reason = if self.cancelled || booking.status == BookingStatus::Voided {
            Some(REFUND_SHOWTIME_CANCELLED)
        } else if now >= self.info.starts_at {
            // Too late to watch it: the money goes back, no ticket is issued.
            Some(REFUND_SHOWTIME_STARTED)
        } else if booking.seats.is_empty()
            || booking
                .seats
                .iter()
                .any(|s| self.states[s.seat] != SeatState::Available)
        {
            Some(REFUND_SEATS_TAKEN)
        } else {
            None
        };
        match reason {
            Some(reason) => {
                self.set_payment(
                    payment_id,
                    PaymentStatus::Succeeded,
                    Some(reason.to_string()),
                    now,
                    ops,
                );
                ops.push(Op::QueueRefund {
                    refund: self.refund_of(&booking, &payment, reason),
                    now,
                });
                Ok(Settlement::RefundRequired {
                    reason: reason.to_string(),
                })
            }
            None => {
                let tickets = self.sell(&booking, payment_id, now, ops);
                Ok(Settlement::PaidAfterExpiry { tickets })
            }
        }
    }

    /// Cancels the showtime: no seat can be taken any more, open holds and
    /// pending payments are voided, sold tickets are refunded (their seats
    /// become available) and one refund per paid booking is queued, all in
    /// one durable change. Cancelling again changes nothing.
    pub fn cancel(&mut self, reason: &str, now: i64, ops: &mut Vec<Op>) -> Cancellation {
        if self.cancelled {
            return Cancellation {
                already_cancelled: true,
                ..Cancellation::default()
            };
        }
        self.expire_due(now, ops);
        // Recorded even when memory has nothing due: an expiry still waiting
        // in the writer's background lane must land before the voiding, or
        // the database would call voided what memory calls expired.
        if !matches!(ops.last(), Some(Op::ExpireDue { .. })) {
            ops.push(Op::ExpireDue {
                showtime_id: self.showtime_id,
                now,
            });
        }
        let mut done = Cancellation::default();
        let open: Vec<BookingId> = self
            .bookings
            .values()
            .filter(|b| b.status.is_open())
            .map(|b| b.id.clone())
            .collect();
        for id in open {
            self.close(&id, BookingStatus::Voided);
            done.bookings_voided += 1;
        }
        let mut refunds = Vec::new();
        let paid: Vec<Booking> = self
            .bookings
            .values()
            .filter(|b| b.status == BookingStatus::Paid)
            .cloned()
            .collect();
        for booking in paid {
            for seat in &booking.seats {
                self.states[seat.seat] = SeatState::Available;
            }
            done.tickets_refunded += booking.seats.len();
            if let Some(payment) = booking
                .payment_id
                .as_ref()
                .and_then(|p| self.payments.get(p))
            {
                refunds.push(self.refund_of(&booking, payment, REFUND_SHOWTIME_CANCELLED));
            }
            if let Some(b) = self.bookings.get_mut(&booking.id) {
                b.status = BookingStatus::Refunded;
            }
        }
        done.refunds_queued = refunds.len();
        self.cancelled = true;
        self.version += 1;
        ops.push(Op::CancelShowtime {
            showtime_id: self.showtime_id,
            reason: reason.to_string(),
            now,
            refunds,
        });
        done
    }

    fn refund_of(&self, booking: &Booking, payment: &Payment, reason: &str) -> NewRefund {
        NewRefund {
            id: uuid::Uuid::new_v4().to_string(),
            payment_id: payment.id.clone(),
            booking_id: booking.id.clone(),
            user_id: booking.user_id,
            showtime_id: self.showtime_id,
            amount: payment.amount,
            currency: self.rules.currency.clone(),
            reason: reason.to_string(),
        }
    }

    /// The seat map at `now`; `viewer`'s own locks are marked `mine`.
    pub fn seat_map(&self, viewer: Option<UserId>, now: i64) -> Vec<SeatView> {
        self.layout
            .iter()
            .zip(&self.states)
            .map(|(def, state)| {
                let (status, mine) = match state {
                    SeatState::Available => (SeatStatus::Available, false),
                    SeatState::Locked { until, .. } if *until <= now => {
                        (SeatStatus::Available, false)
                    }
                    SeatState::Locked { booking, .. } => (
                        SeatStatus::Locked,
                        viewer.is_some() && self.bookings.get(booking).map(|b| b.user_id) == viewer,
                    ),
                    SeatState::Sold { .. } => (SeatStatus::Sold, false),
                };
                SeatView {
                    id: def.id.clone(),
                    row: def.row.clone(),
                    number: def.number,
                    class: def.class.clone(),
                    grid_row: def.grid_row,
                    grid_col: def.grid_col,
                    status,
                    mine,
                }
            })
            .collect()
    }

    /// The seat map document the API serves.
    pub fn seat_map_doc(&self, viewer: Option<UserId>, now: i64) -> SeatMapDoc {
        let seats = self.seat_map(viewer, now);
        SeatMapDoc {
            showtime_id: self.showtime_id,
            status: self.showtime_status(),
            version: self.version,
            seats_total: seats.len(),
            seats_available: seats
                .iter()
                .filter(|s| s.status == SeatStatus::Available)
                .count(),
            seats,
        }
    }

    /// The showtime's status as the API words it.
    pub fn showtime_status(&self) -> &'static str {
        if self.cancelled {
            "cancelled"
        } else {
            "scheduled"
        }
    }

    pub fn has_open_booking(&self, user: UserId) -> bool {
        self.open_by_user.contains_key(&user)
    }

    /// When the next open hold lapses (reads change then without any message).
    pub fn next_lapse(&self) -> i64 {
        self.expiries.first().map_or(i64::MAX, |(at, _)| *at)
    }

    fn ensure_open_for_sale(&self, now: i64) -> AppResult<()> {
        if self.cancelled {
            return Err(AppError::ShowtimeCancelled);
        }
        if now >= self.info.starts_at {
            return Err(AppError::ShowtimeStarted);
        }
        Ok(())
    }

    fn too_many_seats(&self) -> AppError {
        AppError::validation(
            "too_many_seats",
            format!("a booking holds at most {} seats", self.rules.max_seats),
        )
    }

    fn resolve_seats(&self, seat_ids: &[String]) -> AppResult<Vec<usize>> {
        let mut resolved = Vec::with_capacity(seat_ids.len());
        let mut errors = Vec::new();
        for (i, id) in seat_ids.iter().enumerate() {
            match self.seat_index(id) {
                Some(seat) if resolved.contains(&seat) => errors.push(FieldError::new(
                    format!("seats[{i}]"),
                    format!("{id} is listed twice"),
                )),
                Some(seat) => resolved.push(seat),
                None => errors.push(FieldError::new(
                    format!("seats[{i}]"),
                    format!("{id} is not a seat of this showtime"),
                )),
            }
        }
        if errors.is_empty() {
            Ok(resolved)
        } else {
            Err(AppError::Validation {
                code: "unknown_seat",
                detail: "some seats are not seats of this showtime".into(),
                errors,
            })
        }
    }

    fn owned(&self, user: UserId, booking_id: &str) -> AppResult<&Booking> {
        self.bookings
            .get(booking_id)
            .filter(|b| b.user_id == user)
            .ok_or(AppError::NotFound("booking"))
    }

    fn owned_held(&self, user: UserId, booking_id: &str) -> AppResult<&Booking> {
        let booking = self.owned(user, booking_id)?;
        if booking.status != BookingStatus::Held {
            return Err(not_open(booking.status));
        }
        Ok(booking)
    }

    fn lock_seat(&mut self, booking: &mut Booking, seat: usize, now: i64, ops: &mut Vec<Op>) {
        let def = &self.layout[seat];
        let price = self.prices.get(&def.class).copied().unwrap_or(0);
        let position = booking
            .seats
            .iter()
            .map(|s| s.position + 1)
            .max()
            .unwrap_or(0);
        self.states[seat] = SeatState::Locked {
            booking: booking.id.clone(),
            until: booking.expires_at,
        };
        booking.seats.push(BookedSeat {
            seat,
            price,
            position,
        });
        ops.push(Op::LockSeat {
            showtime_id: self.showtime_id,
            booking_id: booking.id.clone(),
            seat_id: def.id.clone(),
            class: def.class.clone(),
            price,
            position,
            until: booking.expires_at,
            now,
        });
    }

    /// Ends an open booking in memory: frees its seats and settles its
    /// pending payment. Returns the payment it settled, if any, or `None`
    /// when the booking was not open.
    fn close(
        &mut self,
        booking_id: &str,
        status: BookingStatus,
    ) -> Option<Option<(PaymentId, PaymentStatus)>> {
        let booking = self.bookings.get_mut(booking_id)?;
        if !booking.status.is_open() {
            return None;
        }
        booking.status = status;
        let booking = booking.clone();
        self.expiries
            .remove(&(booking.expires_at, booking.id.clone()));
        if self.open_by_user.get(&booking.user_id) == Some(&booking.id) {
            self.open_by_user.remove(&booking.user_id);
        }
        for seat in &booking.seats {
            if matches!(&self.states[seat.seat], SeatState::Locked { booking: b, .. } if b == &booking.id)
            {
                self.states[seat.seat] = SeatState::Available;
            }
        }
        self.version += 1;
        let Some(payment) = booking
            .payment_id
            .and_then(|id| self.payments.get_mut(&id))
            .filter(|p| p.status == PaymentStatus::Pending)
        else {
            return Some(None);
        };
        payment.status = match status {
            BookingStatus::PaymentFailed => PaymentStatus::Failed,
            BookingStatus::Expired => PaymentStatus::Expired,
            _ => PaymentStatus::Voided,
        };
        payment.refund_reason = None;
        Some(Some((payment.id.clone(), payment.status)))
    }

    /// [`SeatBook::close`], with the ops that make it durable.
    fn close_recorded(
        &mut self,
        booking_id: &str,
        status: BookingStatus,
        now: i64,
        ops: &mut Vec<Op>,
    ) {
        let Some(settled) = self.close(booking_id, status) else {
            return;
        };
        ops.push(Op::FreeSeats {
            showtime_id: self.showtime_id,
            booking_id: booking_id.to_string(),
        });
        ops.push(Op::SetBookingStatus {
            booking_id: booking_id.to_string(),
            status,
            now,
        });
        if let Some((payment_id, payment_status)) = settled {
            ops.push(Op::SetPaymentStatus {
                payment_id,
                status: payment_status,
                now,
                refund_reason: None,
            });
        }
    }

    fn set_payment(
        &mut self,
        payment_id: &str,
        status: PaymentStatus,
        refund_reason: Option<String>,
        now: i64,
        ops: &mut Vec<Op>,
    ) {
        if let Some(payment) = self.payments.get_mut(payment_id) {
            payment.status = status;
            payment.refund_reason = refund_reason.clone();
        }
        ops.push(Op::SetPaymentStatus {
            payment_id: payment_id.to_string(),
            status,
            now,
            refund_reason,
        });
    }

    /// Marks the booking's seats SOLD and issues one ticket per seat.
    fn sell(
        &mut self,
        booking: &Booking,
        payment_id: &str,
        now: i64,
        ops: &mut Vec<Op>,
    ) -> Vec<String> {
        let was_open = booking.status.is_open();
        if was_open {
            self.expiries
                .remove(&(booking.expires_at, booking.id.clone()));
            if self.open_by_user.get(&booking.user_id) == Some(&booking.id) {
                self.open_by_user.remove(&booking.user_id);
            }
        }
        let mut rng = rand::rng();
        let tickets: Vec<NewTicket> = booking
            .seats
            .iter()
            .map(|s| NewTicket {
                id: uuid::Uuid::new_v4().to_string(),
                seat_id: self.layout[s.seat].id.clone(),
                price: s.price,
                checkin_code: hex::encode(rng.random::<[u8; 16]>()),
            })
            .collect();
        for seat in &booking.seats {
            self.states[seat.seat] = SeatState::Sold {
                booking: booking.id.clone(),
            };
        }
        ops.push(Op::SellSeats {
            showtime_id: self.showtime_id,
            booking_id: booking.id.clone(),
            user_id: booking.user_id,
            payment_id: payment_id.to_string(),
            now,
            tickets: tickets.clone(),
        });
        ops.push(Op::SetBookingStatus {
            booking_id: booking.id.clone(),
            status: BookingStatus::Paid,
            now,
        });
        if let Some(b) = self.bookings.get_mut(&booking.id) {
            b.status = BookingStatus::Paid;
            b.payment_id = Some(payment_id.to_string());
        }
        self.set_payment(payment_id, PaymentStatus::Succeeded, None, now, ops);
        self.version += 1;
        tickets.into_iter().map(|t| t.id).collect()
    }

    fn state_of(&self, booking: &Booking) -> BookingState {
        BookingState {
            booking_id: booking.id.clone(),
            showtime_id: self.showtime_id,
            status: booking.status,
            seats: booking
                .seats
                .iter()
                .map(|s| SeatLine {
                    id: self.layout[s.seat].id.clone(),
                    class: self.layout[s.seat].class.clone(),
                    price: s.price,
                })
                .collect(),
            created_at: booking.created_at,
            expires_at: booking.expires_at,
            showtime_status: self.showtime_status(),
            showtime: self.info.clone(),
        }
    }

    /// The state that must survive a restart, in a comparable form: memory
    /// after a change must equal what loading the database gives.
    pub fn durable_state(&self) -> DurableState {
        let mut bookings: Vec<_> = self
            .bookings
            .values()
            .map(|b| {
                let mut seats: Vec<_> = b.seats.iter().map(|s| (s.seat, s.price)).collect();
                seats.sort();
                (
                    b.id.clone(),
                    b.user_id,
                    b.status,
                    seats,
                    b.expires_at,
                    b.payment_id.clone(),
                )
            })
            .collect();
        bookings.sort();
        let mut payments: Vec<_> = self
            .payments
            .values()
            .map(|p| {
                (
                    p.id.clone(),
                    p.booking_id.clone(),
                    p.status,
                    p.amount,
                    p.refund_reason.clone(),
                )
            })
            .collect();
        payments.sort();
        DurableState {
            cancelled: self.cancelled,
            states: self.states.clone(),
            bookings,
            payments,
        }
    }
}

type DurableBooking = (
    BookingId,
    UserId,
    BookingStatus,
    Vec<(usize, i64)>,
    i64,
    Option<PaymentId>,
);
type DurablePayment = (PaymentId, BookingId, PaymentStatus, i64, Option<String>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurableState {
    pub cancelled: bool,
    pub states: Vec<SeatState>,
    pub bookings: Vec<DurableBooking>,
    pub payments: Vec<DurablePayment>,
}

fn not_open(status: BookingStatus) -> AppError {
    let code = match status {
        BookingStatus::Expired => "booking_expired",
        BookingStatus::Paid => "booking_paid",
        BookingStatus::AwaitingPayment => "booking_awaiting_payment",
        _ => "booking_closed",
    };
    AppError::conflict(code, format!("the booking is {}", status.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;

    fn book() -> SeatBook {
        let layout = ["A1", "A2", "A3", "B1"]
            .iter()
            .enumerate()
            .map(|(i, id)| SeatDef {
                id: id.to_string(),
                row: id[..1].to_string(),
                number: id[1..].parse().unwrap_or(0),
                class: if i == 3 {
                    "premium".into()
                } else {
                    "regular".into()
                },
                grid_row: 0,
                grid_col: i as i64,
            })
            .collect();
        let prices = HashMap::from([
            ("regular".to_string(), 50_000),
            ("premium".to_string(), 75_000),
        ]);
        let rules = Rules {
            hold_ttl_ms: 10 * MINUTE,
            max_seats: 3,
            currency: "IDR".into(),
        };
        let info = ShowtimeInfo {
            starts_at: 1_000 * MINUTE,
            ..ShowtimeInfo::default()
        };
        SeatBook::new(
            1,
            Arc::new(info),
            false,
            rules,
            Arc::new(Layout::new(layout)),
            prices,
        )
    }

    fn seats(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_seat_held_by_one_customer_cannot_be_held_by_another() {
        let mut book = book();
        let mut ops = vec![];
        book.hold(1, "b1".into(), &seats(&["A1"]), 0, &mut ops)
            .expect("first hold");
        let err = book
            .hold(2, "b2".into(), &seats(&["A2", "A1"]), 0, &mut ops)
            .unwrap_err();
        assert!(matches!(err, AppError::SeatUnavailable { ref seats } if seats == &["A1"]));
        assert_eq!(
            book.states[1],
            SeatState::Available,
            "all or none: A2 stays free"
        );
    }

    #[test]
    fn a_hold_is_free_for_others_exactly_at_its_deadline() {
        let mut book = book();
        let mut ops = vec![];
        book.hold(1, "b1".into(), &seats(&["A1"]), 0, &mut ops)
            .expect("hold");
        let just_before = 10 * MINUTE - 1;
        assert!(
            book.hold(2, "b2".into(), &seats(&["A1"]), just_before, &mut ops)
                .is_err()
        );
        assert_eq!(
            book.seat_map(None, just_before)[0].status,
            SeatStatus::Locked
        );
        assert_eq!(
            book.seat_map(None, 10 * MINUTE)[0].status,
            SeatStatus::Available
        );
        book.hold(2, "b2".into(), &seats(&["A1"]), 10 * MINUTE, &mut ops)
            .expect("taken at the deadline");
        assert_eq!(book.bookings["b1"].status, BookingStatus::Expired);
    }

    #[test]
    fn adding_a_seat_never_extends_the_hold() {
        let mut book = book();
        let mut ops = vec![];
        let held = book
            .hold(1, "b1".into(), &seats(&["A1"]), 0, &mut ops)
            .expect("hold");
        let added = book
            .add_seat(1, "b1", "A2", 9 * MINUTE, &mut ops)
            .expect("add");
        assert_eq!(added.expires_at, held.expires_at);
        assert_eq!(
            book.expire_due(10 * MINUTE, &mut ops),
            Expired {
                bookings: 1,
                seats: 2
            }
        );
        assert!(book.states.iter().all(|s| *s == SeatState::Available));
    }

    #[test]
    fn a_booking_cannot_hold_more_than_the_maximum() {
        let mut book = book();
        let mut ops = vec![];
        let err = book
            .hold(
                1,
                "b1".into(),
                &seats(&["A1", "A2", "A3", "B1"]),
                0,
                &mut ops,
            )
            .unwrap_err();
        assert_eq!(err.code(), "too_many_seats");
        book.hold(1, "b1".into(), &seats(&["A1", "A2", "A3"]), 0, &mut ops)
            .expect("three");
        assert_eq!(
            book.add_seat(1, "b1", "B1", 0, &mut ops)
                .unwrap_err()
                .code(),
            "too_many_seats"
        );
    }

    #[test]
    fn a_late_success_resells_free_seats_and_refunds_taken_ones() {
        let mut book = book();
        let mut ops = vec![];
        book.hold(1, "b1".into(), &seats(&["A1"]), 0, &mut ops)
            .expect("hold");
        let request = PaymentRequest {
            payment_id: "p1".into(),
            provider: "sandbox".into(),
        };
        book.start_payment(1, "b1", request, 0, &mut ops)
            .expect("pay");
        book.hold(2, "b2".into(), &seats(&["A2"]), 0, &mut ops)
            .expect("hold");
        let request = PaymentRequest {
            payment_id: "p2".into(),
            provider: "sandbox".into(),
        };
        book.start_payment(2, "b2", request, 0, &mut ops)
            .expect("pay");
        // Both expire; a third customer takes A2.
        book.hold(3, "b3".into(), &seats(&["A2"]), 11 * MINUTE, &mut ops)
            .expect("retake");
        let first = book
            .settle_payment("p1", true, 12 * MINUTE, &mut ops)
            .expect("p1");
        assert!(matches!(first, Settlement::PaidAfterExpiry { .. }));
        let second = book
            .settle_payment("p2", true, 12 * MINUTE, &mut ops)
            .expect("p2");
        assert_eq!(
            second,
            Settlement::RefundRequired {
                reason: REFUND_SEATS_TAKEN.into()
            }
        );
        assert_eq!(
            book.states[1],
            SeatState::Locked {
                booking: "b3".into(),
                until: 21 * MINUTE
            }
        );
        let again = book
            .settle_payment("p1", true, 12 * MINUTE, &mut ops)
            .expect("duplicate");
        assert!(matches!(again, Settlement::Unchanged { .. }));
    }

    #[test]
    fn after_a_restart_the_newer_of_two_open_bookings_is_the_customers_open_one() {
        for newer_first in [true, false] {
            let mut book = book();
            let booking = |id: &str, expires_at: i64| Booking {
                id: id.into(),
                user_id: 7,
                status: BookingStatus::Held,
                seats: Vec::new(),
                created_at: 0,
                expires_at,
                payment_id: None,
            };
            let (old, new) = (booking("old", MINUTE), booking("new", 20 * MINUTE));
            if newer_first {
                book.restore_booking(new);
                book.restore_booking(old);
            } else {
                book.restore_booking(old);
                book.restore_booking(new);
            }
            let mut ops = vec![];
            book.expire_due(10 * MINUTE, &mut ops);
            assert!(book.has_open_booking(7), "newer first: {newer_first}");
            let again = book.hold(7, "third".into(), &seats(&["A1"]), 10 * MINUTE, &mut ops);
            assert_eq!(again.unwrap_err().code(), "booking_already_open");
        }
    }
}
