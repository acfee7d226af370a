//! The state that must survive a restart, in a comparable form: after any
//! change, memory must equal what loading the database gives (the property
//! test and the crash tests compare the two).

use super::{SeatBook, SeatState};
use crate::seats::types::*;

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
    /// Seat class to price, by class.
    pub prices: Vec<(String, i64)>,
    pub starts_at: i64,
    pub ends_at: i64,
}

impl SeatBook {
    /// The durable state that belongs in memory at `now`: bookings that ended
    /// long before it may or may not have been forgotten yet, and loading
    /// leaves them out, so they are not compared (see [`super::ENDED_KEPT_MS`]).
    pub fn durable_state(&self, now: i64) -> DurableState {
        let kept = |b: &super::Booking| super::is_kept(b.status, b.expires_at, now);
        let mut bookings: Vec<_> = self
            .bookings
            .values()
            .filter(|b| kept(b))
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
            .filter(|p| self.bookings.get(&p.booking_id).is_some_and(kept))
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
        let mut prices: Vec<_> = self.prices.iter().map(|(c, a)| (c.clone(), *a)).collect();
        prices.sort();
        DurableState {
            cancelled: self.cancelled,
            states: self.states.clone(),
            bookings,
            payments,
            prices,
            starts_at: self.info.starts_at,
            ends_at: self.info.ends_at,
        }
    }
}
