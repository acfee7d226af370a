//! The cinema cancels the showtime: no seat can be taken any more, holds and
//! pending payments are voided, sold tickets are refunded.

use serde::Serialize;

use super::{Booking, Fresh, Op, Payment, SeatBook, SeatState};
use crate::{refunds::NewRefund, seats::types::*};

/// What cancelling the showtime did; all zero when it was cancelled already.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Cancellation {
    pub already_cancelled: bool,
    /// Open holds and pending payments voided.
    pub bookings_voided: usize,
    /// Sold tickets refunded (their seats are available again).
    pub tickets_refunded: usize,
    /// Refunds recorded and queued, one per paid booking.
    pub refunds_queued: usize,
    /// Paid bookings offered a move or their refund instead (DESIGN 4c):
    /// their refunds are recorded `offered`, not queued.
    pub offers_made: usize,
}

/// How long the cancelled-showtime offer reaches (`offers.move_window`,
/// `offers.decide_within`), for a cancellation that makes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfferWindows {
    pub move_window_ms: i64,
    pub decide_within_ms: i64,
}

impl From<&crate::config::OfferSettings> for OfferWindows {
    fn from(settings: &crate::config::OfferSettings) -> OfferWindows {
        OfferWindows {
            move_window_ms: crate::clock::millis(settings.move_window),
            decide_within_ms: crate::clock::millis(settings.decide_within),
        }
    }
}

/// An offer's limits as instants: a move goes to a showtime starting before
/// `move_until`; undecided at `decide_by`, the refund goes ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfferTerms {
    pub move_until: i64,
    pub decide_by: i64,
}

impl SeatBook {
    /// Cancels the showtime: no seat can be taken any more, open holds and
    /// pending payments are voided, sold tickets are refunded (their seats
    /// become available) and one refund per paid booking is queued, all in
    /// one durable change. With `offer`, each paid booking's refund is
    /// offered instead, beside a move to another showtime (DESIGN 4c).
    /// Cancelling again changes nothing.
    pub fn cancel(
        &mut self,
        reason: &str,
        offer: Option<OfferWindows>,
        now: i64,
        fresh: &mut dyn Fresh,
        ops: &mut Vec<Op>,
    ) -> Cancellation {
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
                self.set_state(seat.seat, SeatState::Available);
            }
            done.tickets_refunded += booking.seats.len();
            if let Some(payment) = booking
                .payment_id
                .as_ref()
                .and_then(|p| self.payments.get(p))
            {
                refunds.push(self.refund_of(&booking, payment, REFUND_SHOWTIME_CANCELLED, fresh));
            }
            if let Some(b) = self.bookings.get_mut(&booking.id) {
                b.status = BookingStatus::Refunded;
            }
        }
        let offer = offer.map(|windows| OfferTerms {
            move_until: self.info.starts_at.saturating_add(windows.move_window_ms),
            decide_by: now.saturating_add(windows.decide_within_ms),
        });
        match offer {
            Some(_) => done.offers_made = refunds.len(),
            None => done.refunds_queued = refunds.len(),
        }
        self.cancelled = true;
        self.version += 1;
        ops.push(Op::CancelShowtime {
            showtime_id: self.showtime_id,
            reason: reason.to_string(),
            now,
            refunds,
            offer,
        });
        done
    }

    pub(super) fn refund_of(
        &self,
        booking: &Booking,
        payment: &Payment,
        reason: &str,
        fresh: &mut dyn Fresh,
    ) -> NewRefund {
        NewRefund {
            id: fresh.refund_id(),
            payment_id: payment.id.clone(),
            booking_id: booking.id.clone(),
            user_id: booking.user_id,
            showtime_id: self.showtime_id,
            amount: payment.amount,
            currency: self.rules.currency.clone(),
            reason: reason.to_string(),
        }
    }
}
