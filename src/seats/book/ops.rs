//! The durable side of a seat change: each change of the book appends the
//! [`Op`]s that make it durable, and `persist` applies them in one savepoint
//! before the actor answers. The book produces them, so they live beside it.

use crate::{
    ids::{BookingId, PaymentId, ShowtimeId, TicketId, UserId},
    refunds::NewRefund,
};

/// A ticket issued by a sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTicket {
    pub id: TicketId,
    pub seat_id: String,
    pub price: i64,
    pub checkin_code: String,
}

/// One durable step of a seat change. A message's ops are applied together,
/// in one savepoint, before the actor answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    CreateBooking {
        id: BookingId,
        showtime_id: ShowtimeId,
        user_id: UserId,
        now: i64,
        expires_at: i64,
    },
    LockSeat {
        showtime_id: ShowtimeId,
        booking_id: BookingId,
        seat_id: String,
        class: String,
        price: i64,
        position: i64,
        until: i64,
        now: i64,
    },
    UnlockSeat {
        showtime_id: ShowtimeId,
        booking_id: BookingId,
        seat_id: String,
    },
    FreeSeats {
        showtime_id: ShowtimeId,
        booking_id: BookingId,
    },
    SetBookingStatus {
        booking_id: BookingId,
        status: super::BookingStatus,
        now: i64,
    },
    CreatePayment {
        id: PaymentId,
        booking_id: BookingId,
        provider: String,
        amount: i64,
        currency: String,
        now: i64,
        expires_at: i64,
    },
    SetPaymentStatus {
        payment_id: PaymentId,
        status: super::PaymentStatus,
        now: i64,
        refund_reason: Option<String>,
    },
    /// Records that every open booking of the showtime due at `now` expired
    /// (frees its seats, expires its pending payment). Expiry is data, so
    /// this is cleanup that may run after later writes of the same showtime:
    /// it is idempotent, and writes that take seats accept an expired lock.
    ExpireDue { showtime_id: ShowtimeId, now: i64 },
    SellSeats {
        showtime_id: ShowtimeId,
        booking_id: BookingId,
        user_id: UserId,
        payment_id: PaymentId,
        now: i64,
        tickets: Vec<NewTicket>,
    },
    /// An admin takes these seats off sale (each free: not held, not sold).
    BlockSeats {
        showtime_id: ShowtimeId,
        seat_ids: Vec<String>,
        reason: String,
        by: Option<UserId>,
        now: i64,
    },
    /// An admin puts a blocked seat back on sale.
    UnblockSeat {
        showtime_id: ShowtimeId,
        seat_id: String,
    },
    /// An admin's act on the showtime, for the audit trail (in the same
    /// savepoint as the change it describes).
    Audit {
        entry: crate::audit::Entry,
        now: i64,
    },
    /// Money was taken without seats to give for it (a late payment).
    QueueRefund { refund: NewRefund, now: i64 },
    /// The showtime is cancelled: open bookings voided, sold ones refunded,
    /// every seat freed, and these refunds queued (with the customers told);
    /// with `offer`, the refunds are offered beside a move instead.
    CancelShowtime {
        showtime_id: ShowtimeId,
        reason: String,
        now: i64,
        refunds: Vec<NewRefund>,
        offer: Option<super::OfferTerms>,
    },
    /// The payment row of a moved booking: no new money, the amount and
    /// provider of `paid_by` (DESIGN 4c), already succeeded.
    CreateMovedPayment {
        id: PaymentId,
        booking_id: BookingId,
        paid_by: PaymentId,
        now: i64,
    },
    /// A move from a cancelled showtime took effect: its refund withdrawn,
    /// `from_booking` and its tickets `moved` (in the sale's savepoint).
    CompleteMove {
        from_booking: BookingId,
        booking_id: BookingId,
        now: i64,
    },
    /// New prices of these seat classes (holds made before keep theirs).
    SetPrices {
        showtime_id: ShowtimeId,
        prices: Vec<(String, i64)>,
    },
    /// The showtime moves; refused (409 `showtime_overlap`) when it would
    /// collide with another scheduled showtime of its auditorium, checked in
    /// the same savepoint as the update.
    MoveShowtime {
        showtime_id: ShowtimeId,
        time: super::NewTime,
    },
    /// The showtime goes, with its prices and pinned seats, only if nobody
    /// ever booked it and no seat of it is blocked (409 `showtime_has_bookings`).
    DeleteShowtime { showtime_id: ShowtimeId },
}
