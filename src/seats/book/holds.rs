//! Holding seats: a hold (all or none), one seat more or less, giving the
//! hold up, and expiry at the deadline.

use serde::Serialize;

use super::{BookedSeat, Booking, BookingState, Op, SeatBook, SeatState, gaps};
use crate::{
    error::{AppError, AppResult},
    seats::types::*,
};

/// What an expiry released.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Expired {
    pub bookings: usize,
    pub seats: usize,
}

impl SeatBook {
    /// Releases every open booking whose deadline is at or before `now`.
    /// However many there are, the database change is one set-based op.
    pub fn expire_due(&mut self, now: i64, ops: &mut Vec<Op>) -> Expired {
        let mut expired = Expired::default();
        while let Some((at, id)) = self.expiries.first().cloned() {
            if at > now {
                break;
            }
            expired.bookings += 1;
            expired.seats += self.bookings.get(&id).map_or(0, |b| b.seats.len());
            // Recorded below for all of them at once.
            self.close(&id, BookingStatus::Expired);
        }
        if expired.bookings > 0 {
            ops.push(Op::ExpireDue {
                showtime_id: self.showtime_id,
                now,
            });
        }
        expired
    }

    /// Locks `seat_ids` for a new booking of `user`: all of them or none.
    /// `box_office`: an admin at the box office, who may hold a wheelchair
    /// space without its companion seat.
    pub fn hold(
        &mut self,
        user: UserId,
        box_office: bool,
        booking_id: BookingId,
        seat_ids: &[String],
        now: i64,
        ops: &mut Vec<Op>,
    ) -> AppResult<BookingState> {
        self.expire_due(now, ops);
        self.ensure_open_for_sale(now)?;
        if seat_ids.is_empty() {
            return Err(AppError::validation("no_seats", "choose at least one seat"));
        }
        if seat_ids.len() > self.rules.max_seats {
            return Err(self.too_many_seats());
        }
        let wanted = self.resolve_seats(seat_ids)?;
        if let Some(open) = self.open_by_user.get(&user) {
            return Err(AppError::BookingAlreadyOpen {
                booking_id: open.clone(),
            });
        }
        self.ensure_not_cooling(user, &wanted, now)?;
        self.ensure_free(&wanted)?;
        if !box_office {
            self.ensure_companions(&wanted)?;
        }
        self.ensure_no_lone_seat(&wanted)?;
        Ok(self.open_booking(user, booking_id, wanted, now, ops))
    }

    /// Holds the best `count` adjacent seats (of `class`, if given) for a new
    /// booking of `user` (DESIGN 4c; see [`gaps::best_block`]): one message,
    /// so two customers asking at once never get the same seats. A couple
    /// seat counts as one. 409 `not_enough_adjacent` with the largest block
    /// there is when no block of `count` fits.
    pub fn hold_best(
        &mut self,
        user: UserId,
        booking_id: BookingId,
        count: usize,
        class: Option<&str>,
        now: i64,
        ops: &mut Vec<Op>,
    ) -> AppResult<BookingState> {
        self.expire_due(now, ops);
        self.ensure_open_for_sale(now)?;
        if count == 0 {
            return Err(AppError::validation("no_seats", "choose at least one seat"));
        }
        if count > self.rules.max_seats {
            return Err(self.too_many_seats());
        }
        if let Some(open) = self.open_by_user.get(&user) {
            return Err(AppError::BookingAlreadyOpen {
                booking_id: open.clone(),
            });
        }
        // Seats this customer gave up a moment ago are not theirs to pick.
        let cooling = |s: usize| self.cooling_until(user, s, now).is_some();
        let taken = |s: usize| !self.is_available(s);
        let wanted = gaps::best_block(&self.layout, &taken, &cooling, count, class)
            .map_err(|largest_block| AppError::NotEnoughAdjacent { largest_block })?;
        self.ensure_companions(&wanted)?;
        Ok(self.open_booking(user, booking_id, wanted, now, ops))
    }

    /// Opens a held booking of `user` on `wanted`, all checked and free.
    fn open_booking(
        &mut self,
        user: UserId,
        booking_id: BookingId,
        wanted: Vec<usize>,
        now: i64,
        ops: &mut Vec<Op>,
    ) -> BookingState {
        let expires_at = now.saturating_add(self.rules.hold_ttl_ms);
        ops.push(Op::CreateBooking {
            id: booking_id.clone(),
            showtime_id: self.showtime_id,
            user_id: user,
            now,
            expires_at,
        });
        let mut booking = Booking {
            id: booking_id.clone(),
            user_id: user,
            status: BookingStatus::Held,
            seats: Vec::new(),
            created_at: now,
            expires_at,
            payment_id: None,
        };
        for seat in wanted {
            self.lock_seat(&mut booking, seat, now, ops);
        }
        self.open_by_user.insert(user, booking_id.clone());
        self.expiries.insert((expires_at, booking_id));
        self.keep_changed(booking)
    }

    /// Adds one seat to a held booking; the deadline stays where it was.
    /// `box_office`: an admin at the box office, whose booking may keep a
    /// wheelchair space without its companion seat.
    pub fn add_seat(
        &mut self,
        user: UserId,
        box_office: bool,
        booking_id: &str,
        seat_id: &str,
        now: i64,
        ops: &mut Vec<Op>,
    ) -> AppResult<BookingState> {
        self.expire_due(now, ops);
        self.ensure_open_for_sale(now)?;
        let seat = match self.resolve_seats(&[seat_id.to_string()])?.first() {
            Some(&seat) => seat,
            None => return Err(AppError::NotFound("seat")),
        };
        let mut booking = self.owned_held(user, booking_id)?.clone();
        if booking.seats.iter().any(|b| b.seat == seat) {
            return Ok(self.state_of(&booking));
        }
        if booking.seats.len() >= self.rules.max_seats {
            return Err(self.too_many_seats());
        }
        self.ensure_not_cooling(user, &[seat], now)?;
        if !self.is_available(seat) {
            return Err(AppError::SeatUnavailable {
                seats: vec![seat_id.to_string()],
            });
        }
        if !box_office {
            let mut after: Vec<usize> = booking.seats.iter().map(|b| b.seat).collect();
            after.push(seat);
            self.ensure_companions(&after)?;
        }
        self.ensure_no_lone_seat(&[seat])?;
        self.lock_seat(&mut booking, seat, now, ops);
        Ok(self.keep_changed(booking))
    }

    /// Takes one seat out of a held booking and makes it available.
    /// `box_office`: as for [`SeatBook::add_seat`].
    pub fn remove_seat(
        &mut self,
        user: UserId,
        box_office: bool,
        booking_id: &str,
        seat_id: &str,
        now: i64,
        ops: &mut Vec<Op>,
    ) -> AppResult<BookingState> {
        self.expire_due(now, ops);
        let booking = self.owned_held(user, booking_id)?;
        let seat = self
            .seat_index(seat_id)
            .filter(|i| booking.seats.iter().any(|b| b.seat == *i))
            .ok_or(AppError::NotFound("seat in this booking"))?;
        let mut booking = booking.clone();
        let after: Vec<usize> = booking
            .seats
            .iter()
            .map(|b| b.seat)
            .filter(|&s| s != seat)
            .collect();
        if !box_office {
            self.ensure_companions(&after)?;
        }
        self.ensure_removable(&booking, seat)?;
        booking.seats.retain(|b| b.seat != seat);
        self.set_state(seat, SeatState::Available);
        self.note_released(user, &[seat], now);
        ops.push(Op::UnlockSeat {
            showtime_id: self.showtime_id,
            booking_id: booking.id.clone(),
            seat_id: seat_id.to_string(),
        });
        Ok(self.keep_changed(booking))
    }

    /// Gives up an open booking. Releasing one that already ended is harmless.
    pub fn release(
        &mut self,
        user: UserId,
        booking_id: &str,
        now: i64,
        ops: &mut Vec<Op>,
    ) -> AppResult<BookingState> {
        self.expire_due(now, ops);
        let booking = self.owned(user, booking_id)?;
        match booking.status {
            status if status.is_open() => {
                let seats: Vec<usize> = booking.seats.iter().map(|s| s.seat).collect();
                self.close_recorded(booking_id, BookingStatus::Released, now, ops);
                self.note_released(user, &seats, now);
            }
            BookingStatus::Paid => {
                return Err(AppError::conflict(
                    "booking_paid",
                    "a paid booking cannot be released",
                ));
            }
            _ => {}
        }
        let booking = self.owned(user, booking_id)?;
        Ok(self.state_of(booking))
    }

    /// 409 `seat_unavailable` naming the seats of `wanted` someone has.
    pub(super) fn ensure_free(&self, wanted: &[usize]) -> AppResult<()> {
        let taken: Vec<String> = wanted
            .iter()
            .filter(|&&i| !self.is_available(i))
            .map(|&i| self.layout.seat_id(i).to_string())
            .collect();
        if taken.is_empty() {
            Ok(())
        } else {
            Err(AppError::SeatUnavailable { seats: taken })
        }
    }

    /// 409 `single_seat_gap` when holding `wanted` would leave a free seat
    /// alone (`booking.no_single_gap`), with up to three seat sets of the
    /// same size and class that would not.
    pub(super) fn ensure_no_lone_seat(&self, wanted: &[usize]) -> AppResult<()> {
        if !self.rules.no_single_gap {
            return Ok(());
        }
        let taken = |s: usize| !self.is_available(s);
        let stranded = gaps::strands(&self.layout, &taken, gaps::Change::Take(wanted));
        if stranded.is_empty() {
            return Ok(());
        }
        let class = wanted.first().map_or("", |&s| self.layout.class_of(s));
        let alternatives = gaps::alternatives(&self.layout, &taken, wanted.len(), class, wanted, 3)
            .iter()
            .map(|set| self.names(set))
            .collect();
        Err(AppError::SingleSeatGap {
            seats: self.names(&stranded),
            alternatives,
        })
    }

    /// 409 `single_seat_gap` when giving `seat` of `booking` back would
    /// leave it free and alone; the alternatives are the booking's seats
    /// that could go instead.
    fn ensure_removable(&self, booking: &Booking, seat: usize) -> AppResult<()> {
        if !self.rules.no_single_gap {
            return Ok(());
        }
        let taken = |s: usize| !self.is_available(s);
        let strands = |freed: usize| gaps::strands(&self.layout, &taken, gaps::Change::Free(freed));
        let stranded = strands(seat);
        if stranded.is_empty() {
            return Ok(());
        }
        let alternatives = booking
            .seats
            .iter()
            .map(|b| b.seat)
            .filter(|&other| other != seat && strands(other).is_empty())
            .take(3)
            .map(|other| vec![self.layout.seat_id(other).to_string()])
            .collect();
        Err(AppError::SingleSeatGap {
            seats: self.names(&stranded),
            alternatives,
        })
    }

    /// 409 `wheelchair_companion` when a wheelchair space among a booking's
    /// `seats` has no seat of the booking beside it that is not one: a
    /// customer holds a space only with its companion seat (DESIGN 4c).
    pub(super) fn ensure_companions(&self, seats: &[usize]) -> AppResult<()> {
        let is_space = |s: usize| self.layout.class_of(s) == super::WHEELCHAIR;
        let beside = |s: usize| {
            let (block, k) = self.layout.place(s)?;
            let block = self.layout.blocks().get(block)?;
            Some([
                k.checked_sub(1).and_then(|i| block.get(i)),
                block.get(k + 1),
            ])
        };
        let alone: Vec<usize> = seats
            .iter()
            .copied()
            .filter(|&s| is_space(s))
            .filter(|&s| {
                !beside(s).is_some_and(|sides| {
                    sides
                        .iter()
                        .flatten()
                        .any(|&&n| seats.contains(&n) && !is_space(n))
                })
            })
            .collect();
        if alone.is_empty() {
            Ok(())
        } else {
            Err(AppError::WheelchairCompanion {
                seats: self.names(&alone),
            })
        }
    }

    pub(super) fn names(&self, seats: &[usize]) -> Vec<String> {
        seats
            .iter()
            .map(|&s| self.layout.seat_id(s).to_string())
            .collect()
    }

    /// Remembers that `user` gave these seats up (not an expiry or a failed
    /// payment): for `rehold_cooldown` they cannot take them again, so a
    /// release and a re-hold cannot stretch a hold past its deadline.
    fn note_released(&mut self, user: UserId, seats: &[usize], now: i64) {
        if self.rules.rehold_cooldown_ms <= 0 {
            return;
        }
        self.released.retain(|_, (_, until)| *until > now);
        let until = now.saturating_add(self.rules.rehold_cooldown_ms);
        for &seat in seats {
            self.released.insert(seat, (user, until));
        }
    }

    /// 409 `rehold_cooldown` when `user` released one of `seats` too recently.
    /// Until when `user` may not take `seat` back, having given it up a
    /// moment ago (`booking.rehold_cooldown`).
    fn cooling_until(&self, user: UserId, seat: usize, now: i64) -> Option<i64> {
        match self.released.get(&seat) {
            Some(&(by, until)) if by == user && until > now => Some(until),
            _ => None,
        }
    }

    fn ensure_not_cooling(&self, user: UserId, seats: &[usize], now: i64) -> AppResult<()> {
        let cooling: Vec<(String, i64)> = seats
            .iter()
            .filter_map(|&seat| {
                let until = self.cooling_until(user, seat, now)?;
                Some((self.layout.seat_id(seat).to_string(), until))
            })
            .collect();
        let Some(last) = cooling.iter().map(|(_, until)| *until).max() else {
            return Ok(());
        };
        let left_ms = last.saturating_sub(now);
        Err(AppError::ReholdCooldown {
            seats: cooling.into_iter().map(|(seat, _)| seat).collect(),
            retry_after_secs: u64::try_from(left_ms.saturating_add(999) / 1000).unwrap_or(0),
        })
    }

    /// Stores a booking a change made and counts the change; answers what
    /// its owner sees of it.
    fn keep_changed(&mut self, booking: Booking) -> BookingState {
        let state = self.state_of(&booking);
        self.bookings.insert(booking.id.clone(), booking);
        self.version += 1;
        state
    }

    fn lock_seat(&mut self, booking: &mut Booking, seat: usize, now: i64, ops: &mut Vec<Op>) {
        let Some(def) = self.layout.seat(seat) else {
            return;
        };
        let price = self.prices.get(&def.class).copied().unwrap_or(0);
        let position = booking
            .seats
            .iter()
            .map(|s| s.position + 1)
            .max()
            .unwrap_or(0);
        ops.push(Op::LockSeat {
            showtime_id: self.showtime_id,
            booking_id: booking.id.clone(),
            seat_id: def.id.clone(),
            class: def.class.clone(),
            price,
            position,
            until: booking.expires_at,
            now,
        });
        self.set_state(
            seat,
            SeatState::Locked {
                booking: booking.id.clone(),
                until: booking.expires_at,
            },
        );
        booking.seats.push(BookedSeat {
            seat,
            price,
            position,
        });
    }
}
