//! The vocabulary of the seat engine: the ids and statuses it names (defined
//! below it, in `ids` and `status`), what a seat looks like to a customer,
//! and why money goes back.

use serde::Serialize;

pub use crate::{
    ids::{BookingId, PaymentId, ShowtimeId, UserId},
    status::{BookingStatus, PaymentStatus, ShowtimeStatus},
};

/// What a customer sees of one seat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SeatStatus {
    Available,
    Locked,
    Sold,
    /// Off sale: an admin blocked it.
    Blocked,
}

/// Why money was taken without a seat to show for it; the refunds pipeline acts on it.
pub const REFUND_SHOWTIME_CANCELLED: &str = "showtime_cancelled";
pub const REFUND_SEATS_TAKEN: &str = "seats_no_longer_available";
pub const REFUND_SHOWTIME_STARTED: &str = "showtime_started";
/// The gateway took a different amount or currency than the payment asked for.
pub const REFUND_WRONG_AMOUNT: &str = "amount_mismatch";
