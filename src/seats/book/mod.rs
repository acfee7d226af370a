//! The seat state machine of one showtime, as plain data. It never does I/O
//! and draws no random numbers: each change mutates memory and appends the
//! [`Op`]s that make the same change durable, and every id or code a change
//! creates comes from the caller ([`Fresh`]). The actor persists those ops
//! before it answers, so memory and SQLite never disagree about an
//! acknowledged change.
//!
//! Expiry is data: every open booking sits in `expiries` ordered by its
//! deadline, and each message first expires what is due at its `now`, so a
//! seat is never unavailable past its hold even before the sweep runs.
//!
//! - this file: the state, its invariants and the helpers every change uses;
//! - [`holds`]: hold, add a seat, remove a seat, release, expire;
//! - [`sales`]: start a payment and settle its result;
//! - [`cancel`]: the cinema cancels the showtime;
//! - [`moves`]: a customer of a cancelled showtime moves here (DESIGN 4c);
//! - [`blocks`]: an admin takes seats off sale and puts them back;
//! - [`schedule`]: an admin changes prices, moves or deletes the showtime;
//! - [`views`]: what clients are shown (seat map, booking state);
//! - [`durable`]: the state that must survive a restart, for comparison;
//! - [`layout`] and [`ops`]: the auditorium, and the durable steps emitted.

mod blocks;
mod cancel;
mod durable;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod gaps;
mod holds;
pub mod layout;
mod moves;
pub mod ops;
mod sales;
pub mod schedule;
#[cfg(test)]
mod tests;
mod views;

use std::{
    collections::{BTreeSet, HashMap},
    sync::Arc,
};

pub use blocks::BlockedSeats;
pub use cancel::{Cancellation, OfferTerms, OfferWindows};
pub use durable::DurableState;
pub use holds::Expired;
pub use layout::{Layout, SeatDef};
pub use moves::{MoveChoice, MoveIn, replace_paid, seats_not_offered};
pub use ops::{NewTicket, Op};
pub use sales::{PaidSeat, PaymentRequest, PaymentResult, PaymentStarted, Settlement};
pub use schedule::{NewTime, Reschedule, Schedule};
pub use views::{BookingState, SeatLine, SeatMapDoc, SeatView, ShowtimeInfo};

use super::types::*;
use crate::{
    error::{AppError, AppResult, FieldError},
    ids::{RefundId, TicketId},
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeatState {
    Available,
    Locked {
        booking: BookingId,
        until: i64,
    },
    Sold {
        booking: BookingId,
    },
    /// Taken off sale by an admin (a broken seat, house seats).
    Blocked,
}

impl SeatState {
    /// What anyone may see of the seat at `now`, and until when a lock lasts:
    /// a lock that ran out is available even before the sweep records it.
    pub fn public_at(&self, now: i64) -> (SeatStatus, i64) {
        match self {
            SeatState::Available => (SeatStatus::Available, 0),
            SeatState::Locked { until, .. } if *until <= now => (SeatStatus::Available, 0),
            SeatState::Locked { until, .. } => (SeatStatus::Locked, *until),
            SeatState::Sold { .. } => (SeatStatus::Sold, 0),
            SeatState::Blocked => (SeatStatus::Blocked, 0),
        }
    }
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

/// How long a booking that ended (expired, released, failed, voided,
/// refunded) stays in its actor's memory after its hold's deadline. After
/// that it is history: nothing about its seats can change, so it is not
/// kept (the sweep forgets it) nor loaded at start. A late message about it
/// (a payment that arrives days later, a customer's old link) brings it back
/// from the database first ([`SeatBook::recall`]), so every answer is the
/// same as if it had never left.
pub const ENDED_KEPT_MS: i64 = 60 * 60 * 1000;

/// Whether a booking belongs in memory at `now` (see [`ENDED_KEPT_MS`]):
/// open and paid bookings always, ended ones for a while.
pub fn is_kept(status: BookingStatus, expires_at: i64, now: i64) -> bool {
    status.is_open() || status == BookingStatus::Paid || expires_at > kept_since(now)
}

/// The hold deadline at or before which an ended booking is forgotten.
pub fn kept_since(now: i64) -> i64 {
    now.saturating_sub(ENDED_KEPT_MS)
}

/// An ended booking read back from the database, with its payments.
#[derive(Debug, Clone)]
pub struct Recalled {
    pub booking: Booking,
    pub payments: Vec<Payment>,
}

/// The class of a wheelchair space (DESIGN 4c).
pub const WHEELCHAIR: &str = "wheelchair";

/// Limits and prices that come from configuration and the catalog.
#[derive(Debug, Clone)]
pub struct Rules {
    pub hold_ttl_ms: i64,
    pub max_seats: usize,
    pub currency: String,
    /// How long a seat its holder released stays out of that customer's
    /// reach (`booking.rehold_cooldown`; 0: off).
    pub rehold_cooldown_ms: i64,
    /// No change may leave one free seat alone in a row
    /// (`booking.no_single_gap`; see [`gaps`]).
    pub no_single_gap: bool,
}

/// The ids and codes a change creates. The caller supplies them (random in
/// the actor, predictable in tests), so the book stays deterministic.
pub trait Fresh {
    fn ticket_id(&mut self) -> TicketId;
    /// The code a ticket's QR carries to the door; it must not be guessable.
    fn checkin_code(&mut self) -> String;
    fn refund_id(&mut self) -> RefundId;
}

/// Everything the actor knows about one showtime.
#[derive(Debug, Clone)]
pub struct SeatBook {
    showtime_id: ShowtimeId,
    cancelled: bool,
    /// Deleted by an admin: the actor answers 404 from then on.
    deleted: bool,
    rules: Rules,
    layout: Arc<Layout>,
    info: Arc<ShowtimeInfo>,
    prices: HashMap<String, i64>,
    /// One per seat of the layout, in layout order.
    states: Vec<SeatState>,
    bookings: HashMap<BookingId, Booking>,
    payments: HashMap<PaymentId, Payment>,
    open_by_user: HashMap<UserId, BookingId>,
    expiries: BTreeSet<(i64, BookingId)>,
    /// Bumped by every change of a seat; clients pair it with the seat map.
    version: u64,
    /// Seats customers released themselves: who, and until when that
    /// customer cannot hold the seat again. In memory only: a restart forgets
    /// them, which costs at most one extra hold per seat.
    released: HashMap<usize, (UserId, i64)>,
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
            deleted: false,
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
            released: HashMap::new(),
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

    /// Whether memory has the booking (it may have been forgotten).
    pub fn remembers_booking(&self, booking_id: &str) -> bool {
        self.bookings.contains_key(booking_id)
    }

    /// Whether memory has the payment (it may have been forgotten).
    pub fn remembers_payment(&self, payment_id: &str) -> bool {
        self.payments.contains_key(payment_id)
    }

    /// Brings back an ended booking that was forgotten. Memory wins over
    /// what was read when it already has the booking (it is never older).
    /// Only ended bookings come back: open and paid ones are never forgotten.
    pub fn recall(&mut self, recalled: Recalled) {
        if recalled.booking.status.is_open() || self.remembers_booking(&recalled.booking.id) {
            return;
        }
        for payment in recalled.payments {
            self.payments.entry(payment.id.clone()).or_insert(payment);
        }
        self.bookings
            .insert(recalled.booking.id.clone(), recalled.booking);
    }

    /// Forgets the bookings that ended long ago (see [`ENDED_KEPT_MS`]) and
    /// their payments; answers how many. Everything about them is already
    /// in the database: the caller makes sure no write is still on its way.
    pub fn forget_ended(&mut self, now: i64) -> usize {
        let forgotten: std::collections::HashSet<BookingId> = self
            .bookings
            .values()
            .filter(|b| !is_kept(b.status, b.expires_at, now))
            .map(|b| b.id.clone())
            .collect();
        if forgotten.is_empty() {
            return 0;
        }
        self.bookings.retain(|id, _| !forgotten.contains(id));
        self.payments
            .retain(|_, p| !forgotten.contains(&p.booking_id));
        forgotten.len()
    }

    /// Bookings and payments in memory.
    pub fn remembered(&self) -> (usize, usize) {
        (self.bookings.len(), self.payments.len())
    }

    /// Whether a customer still has a hold or a payment under way here, or
    /// a seat they gave up is still out of their reach at `now` (that is
    /// kept in memory only: stopping would forget it).
    pub fn is_busy(&self, now: i64) -> bool {
        !self.expiries.is_empty() || self.released.values().any(|&(_, until)| until > now)
    }

    /// When the showtime ends.
    pub fn ends_at(&self) -> i64 {
        self.info.ends_at
    }

    /// Restores one seat's state from the occupancy table.
    pub fn restore_seat(&mut self, seat: usize, state: SeatState) {
        self.set_state(seat, state);
    }

    /// Carries on from `previous`'s version after a reload: versions only
    /// grow, because caches and live subscribers compare them.
    pub fn continue_versions_from(&mut self, previous: &SeatBook) {
        self.version = previous.version + 1;
    }

    pub fn showtime_id(&self) -> ShowtimeId {
        self.showtime_id
    }

    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// The layout, shared (a recall reads a booking's seats with it on
    /// another thread).
    pub fn layout(&self) -> &Arc<Layout> {
        &self.layout
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled
    }

    pub fn version(&self) -> u64 {
        self.version
    }

    /// Every seat's state, in layout order.
    pub fn seat_states(&self) -> &[SeatState] {
        &self.states
    }

    pub fn seat_index(&self, seat_id: &str) -> Option<usize> {
        self.layout.position(seat_id)
    }

    pub fn showtime_status(&self) -> ShowtimeStatus {
        if self.cancelled {
            ShowtimeStatus::Cancelled
        } else {
            ShowtimeStatus::Scheduled
        }
    }

    pub fn has_open_booking(&self, user: UserId) -> bool {
        self.open_by_user.contains_key(&user)
    }

    /// When the next open hold lapses (reads change then without any message).
    pub fn next_lapse(&self) -> i64 {
        self.expiries.first().map_or(i64::MAX, |(at, _)| *at)
    }

    fn is_available(&self, seat: usize) -> bool {
        self.states.get(seat) == Some(&SeatState::Available)
    }

    fn set_state(&mut self, seat: usize, state: SeatState) {
        if let Some(slot) = self.states.get_mut(seat) {
            *slot = state;
        }
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
            if let Some(state) = self.states.get_mut(seat.seat)
                && matches!(state, SeatState::Locked { booking: b, .. } if b == &booking.id)
            {
                *state = SeatState::Available;
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
            booking_id: booking_id.into(),
        });
        ops.push(Op::SetBookingStatus {
            booking_id: booking_id.into(),
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
            payment_id: payment_id.into(),
            status,
            now,
            refund_reason,
        });
    }
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
