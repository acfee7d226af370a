//! The vocabulary of the seat engine: booking and payment states as stored
//! in SQLite and shown in the API.

use serde::Serialize;

pub use crate::ids::{BookingId, PaymentId, ShowtimeId, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    Held,
    AwaitingPayment,
    Paid,
    Expired,
    Released,
    PaymentFailed,
    Voided,
    Refunded,
}

impl BookingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BookingStatus::Held => "held",
            BookingStatus::AwaitingPayment => "awaiting_payment",
            BookingStatus::Paid => "paid",
            BookingStatus::Expired => "expired",
            BookingStatus::Released => "released",
            BookingStatus::PaymentFailed => "payment_failed",
            BookingStatus::Voided => "voided",
            BookingStatus::Refunded => "refunded",
        }
    }

    pub fn parse(text: &str) -> Option<BookingStatus> {
        Some(match text {
            "held" => BookingStatus::Held,
            "awaiting_payment" => BookingStatus::AwaitingPayment,
            "paid" => BookingStatus::Paid,
            "expired" => BookingStatus::Expired,
            "released" => BookingStatus::Released,
            "payment_failed" => BookingStatus::PaymentFailed,
            "voided" => BookingStatus::Voided,
            "refunded" => BookingStatus::Refunded,
            _ => return None,
        })
    }

    /// Open bookings hold seats and can still expire.
    pub fn is_open(self) -> bool {
        matches!(self, BookingStatus::Held | BookingStatus::AwaitingPayment)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    Pending,
    Succeeded,
    Failed,
    Expired,
    Voided,
}

impl PaymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Pending => "pending",
            PaymentStatus::Succeeded => "succeeded",
            PaymentStatus::Failed => "failed",
            PaymentStatus::Expired => "expired",
            PaymentStatus::Voided => "voided",
        }
    }

    pub fn parse(text: &str) -> Option<PaymentStatus> {
        Some(match text {
            "pending" => PaymentStatus::Pending,
            "succeeded" => PaymentStatus::Succeeded,
            "failed" => PaymentStatus::Failed,
            "expired" => PaymentStatus::Expired,
            "voided" => PaymentStatus::Voided,
            _ => return None,
        })
    }
}

/// What a customer sees of one seat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SeatStatus {
    Available,
    Locked,
    Sold,
}

/// Why money was taken without a seat to show for it; the refunds pipeline acts on it.
pub const REFUND_SHOWTIME_CANCELLED: &str = "showtime_cancelled";
pub const REFUND_SEATS_TAKEN: &str = "seats_no_longer_available";
pub const REFUND_SHOWTIME_STARTED: &str = "showtime_started";
