//! The durable side of the cancelled-showtime offer (DESIGN 4c): the refund
//! recorded `offered` beside an `offers` row, and the one decision on it.
//! These run inside the caller's write; the service that asks the target
//! showtime's actor for seats is `crate::offers`, above the seats.
//!
//! A decision is written before anything else changes. `refund` is written
//! together with the refund it releases (one statement order in one
//! transaction). `move` is written first, alone; the target showtime's
//! actor then sells the seats and [`complete_move`] withdraws the refund in
//! its savepoint. Both decisions need `decision IS NULL`, so the writer's
//! order decides a race between them, and a move never follows a refund.

use rusqlite::{Connection, OptionalExtension, params};

use super::{NewRefund, RefundStatus, insert, queue_first_attempt};
use crate::{
    error::{AppError, AppResult},
    ids::{BookingId, RefundId, ShowtimeId},
    notify::{self, Message, message::MoveOffered},
};

/// Who decided a refund: the customer, or the clock at `decide_by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecidedBy {
    Customer,
    Timeout,
}

impl DecidedBy {
    fn as_str(self) -> &'static str {
        match self {
            DecidedBy::Customer => "customer",
            DecidedBy::Timeout => "timeout",
        }
    }
}

/// Records `refund` as offered beside a move (no attempt queued), the offer
/// itself, and the message that tells its customer. Runs in the
/// cancellation's savepoint. False when the payment already had a refund.
pub fn record(
    conn: &Connection,
    refund: &NewRefund,
    move_until: i64,
    decide_by: i64,
    reason: &str,
    now: i64,
) -> AppResult<bool> {
    if !insert(conn, refund, RefundStatus::Offered, now)? {
        return Ok(false);
    }
    conn.prepare_cached(query!("offers/insert_offer"))?
        .execute(params![
            refund.booking_id,
            refund.id,
            refund.user_id,
            refund.showtime_id,
            move_until,
            decide_by,
            now
        ])?;
    let offered = MoveOffered {
        showtime_id: refund.showtime_id,
        booking_id: refund.booking_id.clone(),
        amount: refund.amount,
        currency: refund.currency.clone(),
        reason: reason.to_string(),
        decide_by,
    };
    notify::to_user(conn, refund.user_id, &Message::MoveOffered(offered), now)?;
    Ok(true)
}

/// Decides the refund of an undecided offer and queues its first attempt.
/// False when the offer was decided already (or there is none).
pub fn decide_refund(
    conn: &Connection,
    booking_id: &str,
    by: DecidedBy,
    now: i64,
) -> AppResult<bool> {
    let refund_id: Option<RefundId> = conn
        .prepare_cached(query!("offers/decide_refund"))?
        .query_row(params![booking_id, by.as_str(), now], |r| r.get(0))
        .optional()?;
    let Some(refund_id) = refund_id else {
        return Ok(false);
    };
    let released = conn
        .prepare_cached(query!("offers/release_refund"))?
        .execute(params![refund_id, now])?;
    if released != 1 {
        return Err(AppError::Internal(format!(
            "the refund {refund_id} of an undecided offer was not offered"
        )));
    }
    queue_first_attempt(conn, &refund_id, now)?;
    Ok(true)
}

/// Decides a move of an undecided offer that still lasts at `now`: to
/// `seats` of `showtime_id`, as the booking `new_booking_id`. False when
/// the offer was decided already or ran out.
pub fn decide_move(
    conn: &Connection,
    booking_id: &str,
    showtime_id: ShowtimeId,
    seats: &[String],
    new_booking_id: &BookingId,
    now: i64,
) -> AppResult<bool> {
    let seats = serde_json::to_string(seats)
        .map_err(|e| AppError::Internal(format!("the seats of a move: {e}")))?;
    let decided = conn
        .prepare_cached(query!("offers/decide_move"))?
        .execute(params![booking_id, showtime_id, seats, new_booking_id, now])?;
    Ok(decided == 1)
}

/// Takes back a move the target refused: the offer stands as it was.
pub fn undo_move(conn: &Connection, booking_id: &str, new_booking_id: &str) -> AppResult<bool> {
    let undone = conn
        .prepare_cached(query!("offers/undo_move"))?
        .execute(params![booking_id, new_booking_id])?;
    Ok(undone == 1)
}

/// The move took effect: its refund is withdrawn, the cancelled booking and
/// its tickets become `moved`. Runs in the target showtime's savepoint,
/// beside the sale; any surprise fails it, and the sale with it.
pub fn complete_move(
    conn: &Connection,
    from_booking: &str,
    new_booking_id: &str,
    now: i64,
) -> AppResult<()> {
    let refund_id: Option<RefundId> = conn
        .prepare_cached(query!("offers/complete_move"))?
        .query_row(params![from_booking, new_booking_id, now], |r| r.get(0))
        .optional()?;
    let Some(refund_id) = refund_id else {
        return Err(AppError::Internal(format!(
            "no move of {from_booking} to {new_booking_id} is decided"
        )));
    };
    let withdrawn = conn
        .prepare_cached(query!("offers/withdraw_refund"))?
        .execute(params![refund_id, now])?;
    let moved = conn
        .prepare_cached(query!("offers/mark_moved"))?
        .execute(params![from_booking, now])?;
    if withdrawn != 1 || moved != 1 {
        return Err(AppError::Internal(format!(
            "the move of {from_booking} found its refund or booking changed"
        )));
    }
    conn.prepare_cached(query!("offers/mark_tickets_moved"))?
        .execute(params![from_booking])?;
    Ok(())
}
