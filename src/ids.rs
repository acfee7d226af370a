//! The ids that cross module boundaries. They live here, below every
//! capability, so that naming a booking or a payment never makes one module
//! import another.

pub type BookingId = String;
pub type PaymentId = String;
pub type UserId = i64;
pub type ShowtimeId = i64;
pub type TicketId = String;
pub type RefundId = String;
