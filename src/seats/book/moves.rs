//! The target side of the cancelled-showtime offer (DESIGN 4c): a customer
//! whose showtime was cancelled takes seats here instead of the refund.
//! The seats are sold at once, for what the customer already paid, and the
//! refund is withdrawn in the same savepoint ([`Op::CompleteMove`]).
//!
//! Here, as for any sale, the actor alone decides who gets a seat, and the
//! seating rules of 4c apply; the hold limits do not (the customer bought
//! these seats already).

use super::{BookedSeat, Booking, BookingState, Fresh, Op, Payment, SeatBook, gaps};
use crate::{
    error::{AppError, AppResult},
    seats::types::*,
};

/// A move into this showtime, as the offer decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveIn {
    pub user: UserId,
    /// The new booking's id, fixed when the move was decided: asked again
    /// (a retry after a crash), the same move is answered, not made twice.
    pub booking_id: BookingId,
    /// The cancelled showtime's booking the customer leaves.
    pub from_booking: BookingId,
    /// The payment that took the money (the cancelled booking's).
    pub paid_by: PaymentId,
    /// The new booking's payment row (no new money).
    pub payment_id: PaymentId,
    pub seats: Vec<String>,
    /// What the customer paid, seat by seat: (class, price).
    pub paid: Vec<(String, i64)>,
}

/// Whether new seats (class, price here) may replace the seats paid for:
/// as many, each paired with a paid seat of the same class or one that costs
/// less than it does here ("the same class or a dearer one at no extra
/// cost"). Answers the price each new seat keeps, in the order of `wanted`:
/// that of the paid seat it replaces, so the booking's total is what was
/// paid. The pairing is a bipartite matching (augmenting paths; a booking
/// has at most a handful of seats): a greedy one would refuse regular 50 +
/// premium 80 → premium 40 + vip 60, which pairs premium with premium.
pub fn replace_paid(wanted: &[(String, i64)], paid: &[(String, i64)]) -> Option<Vec<i64>> {
    if wanted.len() != paid.len() {
        return None;
    }
    // matched[old] = the new seat replacing it.
    let mut matched: Vec<Option<usize>> = vec![None; paid.len()];
    for new in 0..wanted.len() {
        let mut seen = vec![false; paid.len()];
        if !augment(new, wanted, paid, &mut matched, &mut seen) {
            return None;
        }
    }
    let mut prices = vec![0; wanted.len()];
    for (old, new) in matched.iter().enumerate() {
        if let (Some(new), Some(seat)) = (new, paid.get(old))
            && let Some(price) = prices.get_mut(*new)
        {
            *price = seat.1;
        }
    }
    Some(prices)
}

/// 422 `move_seats_not_offered`: a move takes `count` seats, each of a
/// class paid for or a dearer one.
pub fn seats_not_offered(count: usize) -> AppError {
    AppError::validation(
        "move_seats_not_offered",
        format!("choose {count} seats, each of the class you paid for or a dearer one"),
    )
}

/// Whether a new seat (class, price here) may replace a paid one.
fn fits(new: &(String, i64), old: &(String, i64)) -> bool {
    new.0 == old.0 || new.1 >= old.1
}

/// One augmenting path from `new` (Kuhn's algorithm).
fn augment(
    new: usize,
    wanted: &[(String, i64)],
    paid: &[(String, i64)],
    matched: &mut [Option<usize>],
    seen: &mut [bool],
) -> bool {
    let Some(seat) = wanted.get(new) else {
        return false;
    };
    for (old, paid_seat) in paid.iter().enumerate() {
        if !fits(seat, paid_seat) || seen.get(old).copied().unwrap_or(true) {
            continue;
        }
        if let Some(flag) = seen.get_mut(old) {
            *flag = true;
        }
        let taken_by = matched.get(old).copied().flatten();
        let free = match taken_by {
            None => true,
            Some(other) => augment(other, wanted, paid, matched, seen),
        };
        if free {
            if let Some(slot) = matched.get_mut(old) {
                *slot = Some(new);
            }
            return true;
        }
    }
    false
}

/// What a showtime offers a customer moving from a cancelled one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveChoice {
    /// Free seats of a class the customer may take (see [`replace_paid`]).
    pub free_seats: usize,
    /// The best adjacent seats they may take, if there is such a block.
    pub suggested: Vec<String>,
}

impl SeatBook {
    /// What this showtime can offer someone who paid for `paid`: `None`
    /// when it is cancelled or started.
    /// Read only (nothing written or published for a customer looking): a
    /// hold past its deadline counts as free even before it is expired.
    pub fn move_choice(&self, paid: &[(String, i64)], now: i64) -> Option<MoveChoice> {
        if self.ensure_open_for_sale(now).is_err() || paid.is_empty() {
            return None;
        }
        let free = |s: usize| {
            self.states
                .get(s)
                .is_some_and(|state| state.public_at(now).0 == SeatStatus::Available)
        };
        let cheapest = paid.iter().map(|p| p.1).min().unwrap_or(0);
        let eligible = |seat: usize| {
            let class = self.layout.class_of(seat);
            paid.iter().any(|(c, _)| c == class)
                || self.prices.get(class).is_some_and(|&p| p >= cheapest)
        };
        let free_seats = (0..self.states.len())
            .filter(|&s| free(s) && eligible(s))
            .count();
        let taken = |s: usize| !free(s);
        let not_eligible = |s: usize| !eligible(s);
        let mut classes: Vec<Option<&str>> = vec![None];
        for (class, _) in paid {
            if !classes.contains(&Some(class.as_str())) {
                classes.push(Some(class.as_str()));
            }
        }
        let suggested = classes
            .into_iter()
            .filter_map(|class| {
                gaps::best_block(&self.layout, &taken, &not_eligible, paid.len(), class).ok()
            })
            .find(|block| {
                let wanted: Vec<(String, i64)> = block
                    .iter()
                    .map(|&s| {
                        let class = self.layout.class_of(s);
                        (
                            class.to_string(),
                            self.prices.get(class).copied().unwrap_or(0),
                        )
                    })
                    .collect();
                block.len() == paid.len() && replace_paid(&wanted, paid).is_some()
            })
            .map(|block| self.names(&block))
            .unwrap_or_default();
        Some(MoveChoice {
            free_seats,
            suggested,
        })
    }

    /// Memory catches up with a move out of this (cancelled) showtime: the
    /// target's savepoint already wrote the booking `moved`.
    pub fn moved_out(&mut self, booking_id: &str) {
        if let Some(booking) = self.bookings.get_mut(booking_id)
            && booking.status == BookingStatus::Refunded
        {
            booking.status = BookingStatus::Moved;
        }
    }

    /// Sells `request.seats` to a customer moving here from a cancelled
    /// showtime: all of them or none, checked as a hold is (free, a
    /// wheelchair space with its companion, no lone seat left) and against
    /// what was paid ([`replace_paid`]). Idempotent by the new booking's id.
    pub fn move_in(
        &mut self,
        request: MoveIn,
        now: i64,
        fresh: &mut dyn Fresh,
        ops: &mut Vec<Op>,
    ) -> AppResult<BookingState> {
        self.expire_due(now, ops);
        if let Some(done) = self.bookings.get(&request.booking_id) {
            return Ok(self.state_of(done));
        }
        self.ensure_open_for_sale(now)?;
        if request.seats.is_empty() {
            return Err(AppError::validation("no_seats", "choose at least one seat"));
        }
        let wanted = self.resolve_seats(&request.seats)?;
        let classes: Vec<(String, i64)> = wanted
            .iter()
            .map(|&s| {
                let class = self.layout.class_of(s).to_string();
                let price = self.prices.get(&class).copied().unwrap_or(0);
                (class, price)
            })
            .collect();
        let Some(prices) = replace_paid(&classes, &request.paid) else {
            return Err(seats_not_offered(request.paid.len()));
        };
        self.ensure_free(&wanted)?;
        self.ensure_companions(&wanted)?;
        self.ensure_no_lone_seat(&wanted)?;

        ops.push(Op::CreateBooking {
            id: request.booking_id.clone(),
            showtime_id: self.showtime_id,
            user_id: request.user,
            now,
            expires_at: now,
        });
        let mut booking = Booking {
            id: request.booking_id.clone(),
            user_id: request.user,
            status: BookingStatus::Held,
            seats: Vec::new(),
            created_at: now,
            expires_at: now,
            payment_id: None,
        };
        for (position, (&seat, price)) in wanted.iter().zip(prices).enumerate() {
            ops.push(Op::LockSeat {
                showtime_id: self.showtime_id,
                booking_id: booking.id.clone(),
                seat_id: self.layout.seat_id(seat).to_string(),
                class: self.layout.class_of(seat).to_string(),
                price,
                position: position as i64,
                until: now,
                now,
            });
            booking.seats.push(BookedSeat {
                seat,
                price,
                position: position as i64,
            });
        }
        ops.push(Op::CreateMovedPayment {
            id: request.payment_id.clone(),
            booking_id: booking.id.clone(),
            paid_by: request.paid_by.clone(),
            now,
        });
        self.payments.insert(
            request.payment_id.clone(),
            Payment {
                id: request.payment_id.clone(),
                booking_id: booking.id.clone(),
                status: PaymentStatus::Succeeded,
                amount: booking.seats.iter().map(|s| s.price).sum(),
                expires_at: now,
                refund_reason: None,
            },
        );
        self.bookings.insert(booking.id.clone(), booking.clone());
        self.sell(&booking, &request.payment_id, now, fresh, ops);
        ops.push(Op::CompleteMove {
            from_booking: request.from_booking,
            booking_id: booking.id.clone(),
            now,
        });
        let sold = self
            .bookings
            .get(&booking.id)
            .ok_or_else(|| AppError::Internal("a moved booking vanished".into()))?;
        Ok(self.state_of(sold))
    }
}

#[cfg(test)]
mod tests {
    use super::replace_paid;

    fn seats(list: &[(&str, i64)]) -> Vec<(String, i64)> {
        list.iter().map(|(c, p)| (c.to_string(), *p)).collect()
    }

    #[test]
    fn the_same_class_is_always_a_fair_replacement_even_when_it_is_cheaper_here() {
        let paid = seats(&[("regular", 50_000), ("regular", 50_000)]);
        let prices = replace_paid(&seats(&[("regular", 40_000), ("regular", 40_000)]), &paid);
        assert_eq!(
            prices,
            Some(vec![50_000, 50_000]),
            "each keeps what was paid"
        );
    }

    #[test]
    fn a_dearer_class_is_offered_at_no_extra_cost_and_a_cheaper_one_is_not() {
        let paid = seats(&[("regular", 50_000), ("premium", 80_000)]);
        let upgraded = seats(&[("premium", 90_000), ("premium", 90_000)]);
        let mut prices = replace_paid(&upgraded, &paid).expect("an upgrade is fair");
        prices.sort_unstable();
        assert_eq!(prices, vec![50_000, 80_000], "together, what was paid");
        let downgraded = seats(&[("regular", 50_000), ("regular", 50_000)]);
        assert_eq!(replace_paid(&downgraded, &paid), None);
    }

    #[test]
    fn the_pairing_finds_a_fair_replacement_a_greedy_one_would_miss() {
        let paid = seats(&[("regular", 50), ("premium", 80)]);
        let wanted = seats(&[("premium", 40), ("vip", 60)]);
        assert_eq!(replace_paid(&wanted, &paid), Some(vec![80, 50]));
    }

    #[test]
    fn a_move_takes_as_many_seats_as_were_paid_for() {
        let paid = seats(&[("regular", 50_000), ("regular", 50_000)]);
        assert_eq!(replace_paid(&seats(&[("regular", 50_000)]), &paid), None);
        let three = seats(&[("regular", 50_000); 3]);
        assert_eq!(replace_paid(&three, &paid), None);
    }
}
