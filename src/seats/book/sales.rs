//! Paying: a held booking's seats freeze while its owner pays, and the
//! gateway's result sells them, frees them, or (money without seats) owes a
//! refund. Results are idempotent and safe late or out of order.

use serde::Serialize;

use super::{Fresh, NewTicket, Op, Payment, SeatBook, SeatState, not_open};
use crate::{
    error::{AppError, AppResult},
    ids::TicketId,
    seats::types::*,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentStarted {
    pub payment_id: PaymentId,
    pub amount: i64,
    pub currency: String,
    pub expires_at: i64,
    /// The cinema's IANA time zone, in which `expires_at` is shown.
    pub timezone: String,
    /// False when an already pending payment was handed back.
    pub created: bool,
    /// What is paid for, seat by seat (a gateway shows them as item lines).
    pub seats: Vec<PaidSeat>,
}

/// One seat of a payment, as a gateway's item line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaidSeat {
    pub seat_id: String,
    pub class: String,
    pub price: i64,
}

/// What the gateway says became of a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentResult {
    Succeeded,
    Failed,
    /// Money was taken, but not the amount or currency asked for: nothing is
    /// sold and what was taken goes back.
    WrongAmount {
        amount: i64,
        currency: String,
    },
}

/// What a payment result did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Settlement {
    /// The seats are sold and these tickets were issued.
    Paid { tickets: Vec<TicketId> },
    /// The hold had expired but its seats were still free: sold anyway.
    PaidAfterExpiry { tickets: Vec<TicketId> },
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
                    timezone: self.info.timezone.clone(),
                    created: false,
                    seats: self.paid_seats(booking),
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
        let seats = self.paid_seats(booking);
        let payment = Payment {
            id: request.payment_id.clone(),
            booking_id: booking_id.into(),
            status: PaymentStatus::Pending,
            amount,
            expires_at,
            refund_reason: None,
        };
        ops.push(Op::CreatePayment {
            id: payment.id.clone(),
            booking_id: booking_id.into(),
            provider: request.provider,
            amount,
            currency: self.rules.currency.clone(),
            now,
            expires_at,
        });
        ops.push(Op::SetBookingStatus {
            booking_id: booking_id.into(),
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
            timezone: self.info.timezone.clone(),
            created: true,
            seats,
        })
    }

    fn paid_seats(&self, booking: &super::Booking) -> Vec<PaidSeat> {
        booking
            .seats
            .iter()
            .map(|s| PaidSeat {
                seat_id: self.layout.seat_id(s.seat).to_string(),
                class: self.layout.class_of(s.seat).to_string(),
                price: s.price,
            })
            .collect()
    }

    /// Gives a booking its hold back after its payment could not be opened
    /// at the gateway (down, or too slow to answer): the customer can try
    /// again while the hold lasts. Anything else about the payment (paid,
    /// already given up) leaves the booking as it is.
    pub fn reopen_hold(&mut self, payment_id: &str, now: i64, ops: &mut Vec<Op>) -> bool {
        self.expire_due(now, ops);
        let Some(payment) = self.payments.get(payment_id) else {
            return false;
        };
        let booking_id = payment.booking_id.clone();
        let reopen = payment.status == PaymentStatus::Pending
            && self.bookings.get(&booking_id).is_some_and(|b| {
                b.status == BookingStatus::AwaitingPayment
                    && b.payment_id.as_deref() == Some(payment_id)
            });
        if !reopen {
            return false;
        }
        self.set_payment(payment_id, PaymentStatus::Failed, None, now, ops);
        if let Some(booking) = self.bookings.get_mut(&booking_id) {
            booking.status = BookingStatus::Held;
            booking.payment_id = None;
        }
        ops.push(Op::SetBookingStatus {
            booking_id,
            status: BookingStatus::Held,
            now,
        });
        true
    }

    /// Applies a payment result. Safe to repeat, late or out of order: a seat
    /// only becomes SOLD for a booking that holds it or finds it still free.
    pub fn settle_payment(
        &mut self,
        payment_id: &str,
        result: PaymentResult,
        now: i64,
        fresh: &mut dyn Fresh,
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
        if let PaymentResult::WrongAmount { amount, currency } = result {
            // The seats are not sold for it: they go back on sale at once.
            if awaited {
                self.close_recorded(&booking.id, BookingStatus::PaymentFailed, now, ops);
            }
            self.set_payment(
                payment_id,
                PaymentStatus::Succeeded,
                Some(REFUND_WRONG_AMOUNT.to_string()),
                now,
                ops,
            );
            let mut refund = self.refund_of(&booking, &payment, REFUND_WRONG_AMOUNT, fresh);
            refund.amount = amount;
            refund.currency = currency;
            ops.push(Op::QueueRefund { refund, now });
            return Ok(Settlement::RefundRequired {
                reason: REFUND_WRONG_AMOUNT.to_string(),
            });
        }
        if result == PaymentResult::Failed {
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
            let tickets = self.sell(&booking, payment_id, now, fresh, ops);
            return Ok(Settlement::Paid { tickets });
        }
        // Money arrived for a booking that no longer holds its seats.
        let reason = if self.cancelled || booking.status == BookingStatus::Voided {
            Some(REFUND_SHOWTIME_CANCELLED)
        } else if now >= self.info.starts_at {
            // Too late to watch it: the money goes back, no ticket is issued.
            Some(REFUND_SHOWTIME_STARTED)
        } else if booking.seats.is_empty()
            || booking.seats.iter().any(|s| !self.is_available(s.seat))
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
                    refund: self.refund_of(&booking, &payment, reason, fresh),
                    now,
                });
                Ok(Settlement::RefundRequired {
                    reason: reason.to_string(),
                })
            }
            None => {
                let tickets = self.sell(&booking, payment_id, now, fresh, ops);
                Ok(Settlement::PaidAfterExpiry { tickets })
            }
        }
    }

    /// Marks the booking's seats SOLD and issues one ticket per seat.
    pub(super) fn sell(
        &mut self,
        booking: &super::Booking,
        payment_id: &str,
        now: i64,
        fresh: &mut dyn Fresh,
        ops: &mut Vec<Op>,
    ) -> Vec<TicketId> {
        if booking.status.is_open() {
            self.expiries
                .remove(&(booking.expires_at, booking.id.clone()));
            if self.open_by_user.get(&booking.user_id) == Some(&booking.id) {
                self.open_by_user.remove(&booking.user_id);
            }
        }
        let tickets: Vec<NewTicket> = booking
            .seats
            .iter()
            .map(|s| NewTicket {
                id: fresh.ticket_id(),
                seat_id: self.layout.seat_id(s.seat).to_string(),
                price: s.price,
                checkin_code: fresh.checkin_code(),
            })
            .collect();
        for seat in &booking.seats {
            self.set_state(
                seat.seat,
                SeatState::Sold {
                    booking: booking.id.clone(),
                },
            );
        }
        let ticket_ids = tickets.iter().map(|t| t.id.clone()).collect();
        ops.push(Op::SellSeats {
            showtime_id: self.showtime_id,
            booking_id: booking.id.clone(),
            user_id: booking.user_id,
            payment_id: payment_id.into(),
            now,
            tickets,
        });
        ops.push(Op::SetBookingStatus {
            booking_id: booking.id.clone(),
            status: BookingStatus::Paid,
            now,
        });
        if let Some(b) = self.bookings.get_mut(&booking.id) {
            b.status = BookingStatus::Paid;
            b.payment_id = Some(payment_id.into());
        }
        self.set_payment(payment_id, PaymentStatus::Succeeded, None, now, ops);
        self.version += 1;
        ticket_ids
    }
}
