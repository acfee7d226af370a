//! Seats an admin takes off sale for one showtime (a broken seat, house
//! seats for staff or press) and puts back: `AVAILABLE ⇄ BLOCKED`. A held or
//! sold seat cannot be blocked; a blocked seat cannot be held; expiry and
//! cancellation leave blocks as they are.

use serde::Serialize;

use super::{Op, SeatBook, SeatState};
use crate::{
    error::{AppError, AppResult},
    seats::types::*,
};

/// The showtime's blocked seats after a block or an unblock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BlockedSeats {
    pub showtime_id: ShowtimeId,
    /// Every blocked seat of the showtime, in layout order.
    pub blocked: Vec<String>,
    /// False when the request found nothing to do (a repeat).
    pub changed: bool,
}

impl SeatBook {
    /// Takes `seat_ids` off sale, all or none: a seat held (unexpired) or
    /// sold refuses the whole request with `seat_unavailable`. Seats blocked
    /// already stay as they are.
    pub fn block(
        &mut self,
        seat_ids: &[String],
        reason: &str,
        by: Option<UserId>,
        now: i64,
        ops: &mut Vec<Op>,
    ) -> AppResult<BlockedSeats> {
        self.expire_due(now, ops);
        if self.cancelled {
            return Err(AppError::ShowtimeCancelled);
        }
        if seat_ids.is_empty() {
            return Err(AppError::validation("no_seats", "choose at least one seat"));
        }
        let wanted = self.resolve_seats(seat_ids)?;
        let taken: Vec<String> = wanted
            .iter()
            .filter(|&&i| {
                !matches!(
                    self.states.get(i),
                    Some(SeatState::Available | SeatState::Blocked)
                )
            })
            .map(|&i| self.layout.seat_id(i).to_string())
            .collect();
        if !taken.is_empty() {
            return Err(AppError::SeatUnavailable { seats: taken });
        }
        let fresh: Vec<usize> = wanted
            .into_iter()
            .filter(|&i| self.is_available(i))
            .collect();
        if !fresh.is_empty() {
            for &seat in &fresh {
                self.set_state(seat, SeatState::Blocked);
            }
            self.version += 1;
            ops.push(Op::BlockSeats {
                showtime_id: self.showtime_id,
                seat_ids: fresh
                    .iter()
                    .map(|&i| self.layout.seat_id(i).to_string())
                    .collect(),
                reason: reason.to_string(),
                by,
                now,
            });
        }
        Ok(self.blocked_seats(!fresh.is_empty()))
    }

    /// Puts one blocked seat back on sale; a seat that was not blocked is
    /// left as it is (`changed: false`).
    pub fn unblock(
        &mut self,
        seat_id: &str,
        now: i64,
        ops: &mut Vec<Op>,
    ) -> AppResult<BlockedSeats> {
        self.expire_due(now, ops);
        let seat = match self.resolve_seats(&[seat_id.to_string()])?.first() {
            Some(&seat) => seat,
            None => return Err(AppError::NotFound("seat")),
        };
        let changed = self.states.get(seat) == Some(&SeatState::Blocked);
        if changed {
            self.set_state(seat, SeatState::Available);
            self.version += 1;
            ops.push(Op::UnblockSeat {
                showtime_id: self.showtime_id,
                seat_id: seat_id.to_string(),
            });
        }
        Ok(self.blocked_seats(changed))
    }

    /// The blocked seats of the showtime, in layout order.
    pub fn blocked_ids(&self) -> Vec<String> {
        self.states
            .iter()
            .enumerate()
            .filter(|(_, s)| **s == SeatState::Blocked)
            .map(|(i, _)| self.layout.seat_id(i).to_string())
            .collect()
    }

    fn blocked_seats(&self, changed: bool) -> BlockedSeats {
        BlockedSeats {
            showtime_id: self.showtime_id,
            blocked: self.blocked_ids(),
            changed,
        }
    }
}
