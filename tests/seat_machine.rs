//! Property test of the seat state machine, through the real showtime actor
//! and SQLite: random sequences of hold / add / remove / release / pay /
//! fail / expire / restart / cancel / block / unblock are run against a simple reference model. After
//! every step the answers agree with the model, no seat has two owners, and
//! the actor's memory equals what loading the database gives. Run again
//! with `booking.no_single_gap` on, against the seating rule of DESIGN 4c
//! written apart from `gaps.rs`.

// Test code: a panic on an unexpected answer is a failed test.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::{collections::HashMap, sync::Arc, time::Duration};

use bioskop::{
    clock::{Clock, ManualClock, to_millis},
    config::Synchronous,
    error::AppError,
    ids::{BookingId, PaymentId, ShowtimeId, UserId},
    scheduler::sweep_expired_holds,
    seats::{
        BookingStatus, PaymentStatus, ShowtimeRegistry,
        actor::{
            BlockSeats, CancelShowtime, EditSeat, EditShowtime, GetDurableState, HoldSeats,
            ReleaseBooking, SeatEdit, SettlePayment, StartPayment, Subscribe, UnblockSeat,
        },
        book::{PaymentResult, Reschedule, Rules, SeatState},
        persist,
    },
    store::Store,
};
use chrono::{DateTime, Utc};
use proptest::{collection::vec, prelude::*};

const SEATS: usize = 6;
const USERS: usize = 3;
const MAX_SEATS: usize = 3;
const TTL_MS: i64 = 10 * 60_000;
const SHOWTIME: ShowtimeId = ShowtimeId(1);

#[derive(Debug, Clone)]
enum Step {
    Hold {
        user: usize,
        seats: Vec<usize>,
    },
    Add {
        user: usize,
        seat: usize,
    },
    Remove {
        user: usize,
        seat: usize,
    },
    Release {
        user: usize,
    },
    Pay {
        user: usize,
    },
    Settle {
        user: usize,
        success: bool,
    },
    Advance {
        minutes: u64,
    },
    Sweep,
    Restart,
    Cancel,
    Block {
        seats: Vec<usize>,
    },
    Unblock {
        seat: usize,
    },
    /// An admin changes the price of the regular seats.
    Reprice {
        amount: i64,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0..USERS, vec(0..SEATS, 0..=4)).prop_map(|(user, seats)| Step::Hold { user, seats }),
        2 => (0..USERS, 0..SEATS).prop_map(|(user, seat)| Step::Add { user, seat }),
        1 => (0..USERS, 0..SEATS).prop_map(|(user, seat)| Step::Remove { user, seat }),
        1 => (0..USERS).prop_map(|user| Step::Release { user }),
        2 => (0..USERS).prop_map(|user| Step::Pay { user }),
        2 => (0..USERS, any::<bool>()).prop_map(|(user, success)| Step::Settle { user, success }),
        2 => (0..12u64).prop_map(|minutes| Step::Advance { minutes }),
        // Past the hour ended bookings stay in memory: the next sweep forgets
        // them, and later messages about them read them back.
        1 => (61..90u64).prop_map(|minutes| Step::Advance { minutes }),
        1 => Just(Step::Sweep),
        1 => Just(Step::Restart),
        1 => Just(Step::Cancel),
        1 => vec(0..SEATS, 0..=3).prop_map(|seats| Step::Block { seats }),
        1 => (0..SEATS).prop_map(|seat| Step::Unblock { seat }),
        1 => (0..100_000i64).prop_map(|amount| Step::Reprice { amount }),
    ]
}

// ---------------------------------------------------------------- the model

#[derive(Debug, Clone)]
struct ModelBooking {
    id: BookingId,
    user: usize,
    status: BookingStatus,
    seats: Vec<usize>,
    expires_at: i64,
    payment: Option<(PaymentId, PaymentStatus)>,
}

#[derive(Debug, Default, Clone)]
struct Model {
    /// seat → (booking index, sold)
    seats: Vec<Option<(usize, bool)>>,
    /// seat → blocked by an admin (never held or sold at the same time)
    blocked: Vec<bool>,
    bookings: Vec<ModelBooking>,
    cancelled: bool,
    /// Refunds queued: one per paid booking of a cancelled showtime, one per
    /// payment that succeeded without seats.
    refunds: i64,
}

type Outcome = Result<String, String>;

impl Model {
    fn new() -> Model {
        Model {
            seats: vec![None; SEATS],
            blocked: vec![false; SEATS],
            bookings: Vec::new(),
            cancelled: false,
            refunds: 0,
        }
    }

    fn latest(&self, user: usize) -> Option<usize> {
        self.bookings.iter().rposition(|b| b.user == user)
    }

    fn expire(&mut self, now: i64) -> usize {
        let due: Vec<usize> = (0..self.bookings.len())
            .filter(|&b| self.bookings[b].status.is_open() && self.bookings[b].expires_at <= now)
            .collect();
        for &b in &due {
            self.close(b, BookingStatus::Expired);
        }
        due.len()
    }

    fn close(&mut self, b: usize, status: BookingStatus) {
        if !self.bookings[b].status.is_open() {
            return;
        }
        self.bookings[b].status = status;
        for seat in self.seats.iter_mut() {
            if *seat == Some((b, false)) {
                *seat = None;
            }
        }
        if let Some((_, payment)) = &mut self.bookings[b].payment
            && *payment == PaymentStatus::Pending
        {
            *payment = match status {
                BookingStatus::PaymentFailed => PaymentStatus::Failed,
                BookingStatus::Expired => PaymentStatus::Expired,
                _ => PaymentStatus::Voided,
            };
        }
    }

    fn not_open(status: BookingStatus) -> Outcome {
        Err(match status {
            BookingStatus::Expired => "booking_expired",
            BookingStatus::Paid => "booking_paid",
            BookingStatus::AwaitingPayment => "booking_awaiting_payment",
            _ => "booking_closed",
        }
        .into())
    }

    fn hold(&mut self, user: usize, seats: &[usize], now: i64) -> Outcome {
        self.expire(now);
        if self.cancelled {
            return Err("showtime_cancelled".into());
        }
        if seats.is_empty() {
            return Err("no_seats".into());
        }
        if seats.len() > MAX_SEATS {
            return Err("too_many_seats".into());
        }
        let mut unique = seats.to_vec();
        unique.sort();
        unique.dedup();
        if unique.len() != seats.len() {
            return Err("unknown_seat".into());
        }
        if self
            .bookings
            .iter()
            .any(|b| b.user == user && b.status.is_open())
        {
            return Err("booking_already_open".into());
        }
        if seats.iter().any(|&s| self.taken(s)) {
            return Err("seat_unavailable".into());
        }
        let b = self.bookings.len();
        self.bookings.push(ModelBooking {
            id: BookingId::default(),
            user,
            status: BookingStatus::Held,
            seats: seats.to_vec(),
            expires_at: now + TTL_MS,
            payment: None,
        });
        for &s in seats {
            self.seats[s] = Some((b, false));
        }
        Ok("ok".into())
    }

    fn add(&mut self, b: usize, seat: usize, now: i64) -> Outcome {
        self.expire(now);
        if self.cancelled {
            return Err("showtime_cancelled".into());
        }
        let booking = &self.bookings[b];
        if booking.status != BookingStatus::Held {
            return Model::not_open(booking.status);
        }
        if booking.seats.contains(&seat) {
            return Ok("ok".into());
        }
        if booking.seats.len() >= MAX_SEATS {
            return Err("too_many_seats".into());
        }
        if self.taken(seat) {
            return Err("seat_unavailable".into());
        }
        self.bookings[b].seats.push(seat);
        self.seats[seat] = Some((b, false));
        Ok("ok".into())
    }

    fn remove(&mut self, b: usize, seat: usize, now: i64) -> Outcome {
        self.expire(now);
        let booking = &self.bookings[b];
        if booking.status != BookingStatus::Held {
            return Model::not_open(booking.status);
        }
        if !booking.seats.contains(&seat) {
            return Err("not_found".into());
        }
        self.bookings[b].seats.retain(|s| *s != seat);
        self.seats[seat] = None;
        Ok("ok".into())
    }

    fn release(&mut self, b: usize, now: i64) -> Outcome {
        self.expire(now);
        match self.bookings[b].status {
            s if s.is_open() => self.close(b, BookingStatus::Released),
            BookingStatus::Paid => return Err("booking_paid".into()),
            _ => {}
        }
        Ok("ok".into())
    }

    fn pay(&mut self, b: usize, now: i64) -> Outcome {
        self.expire(now);
        match self.bookings[b].status {
            BookingStatus::Held => {}
            BookingStatus::AwaitingPayment => return Ok("ok".into()),
            status => return Model::not_open(status),
        }
        if self.bookings[b].seats.is_empty() {
            return Err("booking_empty".into());
        }
        self.bookings[b].status = BookingStatus::AwaitingPayment;
        self.bookings[b].payment = Some((PaymentId::default(), PaymentStatus::Pending));
        Ok("ok".into())
    }

    fn settle(&mut self, b: usize, success: bool, now: i64) -> Outcome {
        self.expire(now);
        let Some((_, payment)) = self.bookings[b].payment.clone() else {
            unreachable!("settle is only run for bookings with a payment");
        };
        if payment == PaymentStatus::Succeeded {
            return Ok("unchanged".into());
        }
        let awaited = self.bookings[b].status == BookingStatus::AwaitingPayment
            && payment == PaymentStatus::Pending;
        if !success {
            if awaited {
                self.close(b, BookingStatus::PaymentFailed);
                return Ok("failed".into());
            }
            if payment == PaymentStatus::Pending {
                self.set_payment(b, PaymentStatus::Failed);
                return Ok("failed".into());
            }
            return Ok("unchanged".into());
        }
        if awaited {
            self.sell(b);
            return Ok("paid".into());
        }
        let seats = &self.bookings[b].seats;
        if self.cancelled || seats.is_empty() || seats.iter().any(|&s| self.taken(s)) {
            self.set_payment(b, PaymentStatus::Succeeded);
            self.refunds += 1;
            return Ok("refund_required".into());
        }
        self.sell(b);
        Ok("paid_after_expiry".into())
    }

    fn cancel(&mut self, now: i64) -> Outcome {
        if self.cancelled {
            return Ok("already".into());
        }
        self.expire(now);
        let mut voided = 0;
        let mut refunded = 0;
        for b in 0..self.bookings.len() {
            match self.bookings[b].status {
                s if s.is_open() => {
                    self.close(b, BookingStatus::Voided);
                    voided += 1;
                }
                BookingStatus::Paid => {
                    self.bookings[b].status = BookingStatus::Refunded;
                    refunded += 1;
                }
                _ => {}
            }
        }
        self.seats = vec![None; SEATS];
        self.cancelled = true;
        self.refunds += refunded;
        Ok(format!("voided {voided}, refunds {refunded}"))
    }

    /// Held, sold or blocked: not for anyone else.
    fn taken(&self, seat: usize) -> bool {
        self.seats[seat].is_some() || self.blocked[seat]
    }

    fn block(&mut self, seats: &[usize], now: i64) -> Outcome {
        self.expire(now);
        if self.cancelled {
            return Err("showtime_cancelled".into());
        }
        if seats.is_empty() {
            return Err("no_seats".into());
        }
        let mut unique = seats.to_vec();
        unique.sort();
        unique.dedup();
        if unique.len() != seats.len() {
            return Err("unknown_seat".into());
        }
        if seats.iter().any(|&s| self.seats[s].is_some()) {
            return Err("seat_unavailable".into());
        }
        let changed = seats.iter().any(|&s| !self.blocked[s]);
        for &s in seats {
            self.blocked[s] = true;
        }
        Ok(format!("changed {changed}"))
    }

    fn unblock(&mut self, seat: usize, now: i64) -> Outcome {
        self.expire(now);
        let changed = self.blocked[seat];
        self.blocked[seat] = false;
        Ok(format!("changed {changed}"))
    }

    fn set_payment(&mut self, b: usize, status: PaymentStatus) {
        if let Some((_, payment)) = &mut self.bookings[b].payment {
            *payment = status;
        }
    }

    fn sell(&mut self, b: usize) {
        for &s in &self.bookings[b].seats.clone() {
            self.seats[s] = Some((b, true));
        }
        self.bookings[b].status = BookingStatus::Paid;
        self.set_payment(b, PaymentStatus::Succeeded);
    }
}

// ---------------------------------------------------------------- the system

struct System {
    dir: tempfile::TempDir,
    store: Store,
    registry: ShowtimeRegistry,
    clock: ManualClock,
    /// `booking.no_single_gap` (DESIGN 4c) for this run.
    gap_rule: bool,
}

fn rules() -> Rules {
    Rules {
        hold_ttl_ms: TTL_MS,
        max_seats: MAX_SEATS,
        currency: "IDR".into(),
        // The model re-holds released seats freely: the cooldown has its own tests.
        rehold_cooldown_ms: 0,
        no_single_gap: false,
    }
}

fn rules_with(gap_rule: bool) -> Rules {
    Rules {
        no_single_gap: gap_rule,
        ..rules()
    }
}

// ------------------------------------------------- the seating rule, apart

/// Seats free and alone in the row (the fixture's one row of `SEATS`, no
/// aisle): free, with no free neighbour; the row's ends count as taken.
fn lone_seats(free: &[bool]) -> Vec<usize> {
    (0..free.len())
        .filter(|&s| free[s])
        .filter(|&s| {
            let free_at = |i: Option<usize>| i.and_then(|i| free.get(i)).copied().unwrap_or(false);
            !free_at(s.checked_sub(1)) && !free_at(Some(s + 1))
        })
        .collect()
}

/// DESIGN 4c, written apart from `gaps.rs`: taking `take` out of `free` is
/// refused when it leaves a seat newly alone, unless the free run that seat
/// was in has exactly one seat more than the hold takes from it (the last
/// seats of a run that can be filled no other way).
fn rule_allows_taking(free: &[bool], take: &[usize]) -> bool {
    let mut after = free.to_vec();
    for &s in take {
        after[s] = false;
    }
    let before = lone_seats(free);
    lone_seats(&after)
        .into_iter()
        .filter(|s| !before.contains(s))
        .all(|s| {
            let (mut lo, mut hi) = (s, s);
            while lo > 0 && free[lo - 1] {
                lo -= 1;
            }
            while hi + 1 < free.len() && free[hi + 1] {
                hi += 1;
            }
            let taken_there = take.iter().filter(|&&t| lo <= t && t <= hi).count();
            hi - lo + 1 == taken_there + 1
        })
}

/// A seat given back is refused when it would be free and alone.
fn rule_allows_freeing(free: &[bool], seat: usize) -> bool {
    let mut after = free.to_vec();
    after[seat] = true;
    !lone_seats(&after).contains(&seat)
}

/// What the model calls free at `now`.
fn free_seats(model: &Model, now: i64) -> Vec<bool> {
    let mut probe = model.clone();
    probe.expire(now);
    (0..SEATS).map(|s| !probe.taken(s)).collect()
}

fn seat_name(seat: usize) -> String {
    format!("A{}", seat + 1)
}

impl System {
    async fn start() -> System {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("seats.db"), Synchronous::Normal).expect("store");
        let starts_at = to_millis(Utc::now()) + 86_400_000;
        store
            .write(move |conn| {
                conn.execute_batch(
                    "INSERT INTO cities (id, name) VALUES (1, 'Jakarta');
                     INSERT INTO cinemas (id, city_id, name, address) VALUES (1, 1, 'Test', 'Street');
                     INSERT INTO auditoriums (id, cinema_id, name) VALUES (1, 1, 'Studio');
                     INSERT INTO movies (id, title, duration_minutes, rating) VALUES (1, 'Film', 100, 'SU');",
                )?;
                for seat in 0..SEATS {
                    conn.execute(
                        "INSERT INTO auditorium_seats VALUES (1, ?1, 'A', ?2, 'regular', 0, ?2)",
                        rusqlite::params![seat_name(seat), seat as i64 + 1],
                    )?;
                }
                conn.execute(
                    "INSERT INTO showtimes (id, movie_id, auditorium_id, starts_at, ends_at) VALUES (?1, 1, 1, ?2, ?2 + 6000000)",
                    rusqlite::params![SHOWTIME, starts_at],
                )?;
                conn.execute("INSERT INTO showtime_prices VALUES (?1, 'regular', 50000)", [SHOWTIME])?;
                for user in 0..USERS {
                    conn.execute(
                        "INSERT INTO users (id, email, password_hash, name, created_at) VALUES (?1, ?2, 'x', 'U', 0)",
                        rusqlite::params![user as i64 + 1, format!("u{user}@example.com")],
                    )?;
                }
                Ok(())
            })
            .await
            .expect("fixture");
        let clock = ManualClock::new(Utc::now());
        let registry = ShowtimeRegistry::new(store.clone(), rules(), Arc::new(clock.clone()));
        System {
            dir,
            store,
            registry,
            clock,
            gap_rule: false,
        }
    }

    async fn restart(self) -> System {
        self.registry.stop();
        self.store.close();
        let store =
            Store::open(&self.dir.path().join("seats.db"), Synchronous::Normal).expect("reopen");
        let registry = ShowtimeRegistry::new(
            store.clone(),
            rules_with(self.gap_rule),
            Arc::new(self.clock.clone()),
        );
        System {
            dir: self.dir,
            store,
            registry,
            clock: self.clock,
            gap_rule: self.gap_rule,
        }
    }

    async fn actor(&self) -> bioskop::seats::ActorRef {
        self.registry
            .get(SHOWTIME)
            .await
            .expect("the showtime actor")
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// What loading the showtime from the database gives.
    async fn stored_state(&self) -> bioskop::seats::book::DurableState {
        let now = to_millis(self.now());
        let gap_rule = self.gap_rule;
        self.store
            .read(move |conn| {
                persist::load(
                    conn,
                    SHOWTIME,
                    rules_with(gap_rule),
                    &persist::LayoutCache::default(),
                    now,
                )
            })
            .await
            .expect("load")
            .expect("showtime")
            .durable_state(now)
    }
}

fn code<T>(result: Result<T, AppError>) -> Result<T, String> {
    result.map_err(|e| e.code().to_string())
}

fn user_id(user: usize) -> UserId {
    UserId(user as i64 + 1)
}

async fn run(steps: Vec<Step>, gap_rule: bool) -> Result<(), TestCaseError> {
    let mut system = System::start().await;
    if gap_rule {
        system.gap_rule = true;
        system = system.restart().await;
    }
    let mut model = Model::new();
    for (i, step) in steps.iter().enumerate() {
        let now = system.now();
        let now_ms = to_millis(now);
        let actor = system.actor().await;
        // With the rule on, a change the model accepts that the rule
        // (written apart, above) refuses is expected as `single_seat_gap`,
        // and the model takes it back.
        // (As the model is after expiring what is due: every change does
        // that first, the refused ones too.)
        let before = {
            let mut expired = model.clone();
            expired.expire(now_ms);
            expired
        };
        let free = free_seats(&model, now_ms);
        let (expected, actual): (Outcome, Outcome) = match step {
            Step::Hold { user, seats } => {
                let mut expected = model.hold(*user, seats, now_ms);
                if gap_rule && expected.is_ok() && !rule_allows_taking(&free, seats) {
                    model = before;
                    expected = Err("single_seat_gap".into());
                }
                let actual = code(
                    actor
                        .send(HoldSeats {
                            box_office: false,
                            user: user_id(*user),
                            seats: seats.iter().map(|s| seat_name(*s)).collect(),
                            now,
                        })
                        .await
                        .expect("mailbox"),
                );
                if let Ok(held) = &actual
                    && expected.is_ok()
                    && let Some(b) = model.bookings.last_mut()
                {
                    b.id = held.booking_id.clone();
                }
                (expected, actual.map(|_| "ok".into()))
            }
            Step::Add { user, seat } | Step::Remove { user, seat } => {
                let Some(b) = model.latest(*user) else {
                    continue;
                };
                let booking_id = model.bookings[b].id.clone();
                let adding = matches!(step, Step::Add { .. });
                let mut expected = if adding {
                    model.add(b, *seat, now_ms)
                } else {
                    model.remove(b, *seat, now_ms)
                };
                let already_in = before.bookings[b].seats.contains(seat);
                let allowed = if adding {
                    already_in || rule_allows_taking(&free, &[*seat])
                } else {
                    rule_allows_freeing(&free, *seat)
                };
                if gap_rule && expected.is_ok() && !allowed {
                    model = before;
                    expected = Err("single_seat_gap".into());
                }
                let (user, seat) = (user_id(*user), seat_name(*seat));
                let edit = if adding {
                    SeatEdit::Add
                } else {
                    SeatEdit::Remove
                };
                let actual = actor
                    .send(EditSeat {
                        box_office: false,
                        user,
                        booking_id,
                        seat,
                        edit,
                        now,
                    })
                    .await;
                (
                    expected,
                    code(actual.expect("mailbox")).map(|_| "ok".into()),
                )
            }
            Step::Release { user } => {
                let Some(b) = model.latest(*user) else {
                    continue;
                };
                let booking_id = model.bookings[b].id.clone();
                let expected = model.release(b, now_ms);
                let actual = actor
                    .send(ReleaseBooking {
                        user: user_id(*user),
                        booking_id,
                        now,
                    })
                    .await
                    .expect("mailbox");
                (expected, code(actual).map(|_| "ok".into()))
            }
            Step::Pay { user } => {
                let Some(b) = model.latest(*user) else {
                    continue;
                };
                let booking_id = model.bookings[b].id.clone();
                let expected = model.pay(b, now_ms);
                let actual = code(
                    actor
                        .send(StartPayment {
                            user: user_id(*user),
                            booking_id,
                            provider: "sandbox".into(),
                            now,
                        })
                        .await
                        .expect("mailbox"),
                );
                if let (Ok(started), Some((id, _))) = (&actual, &mut model.bookings[b].payment) {
                    *id = started.payment_id.clone();
                }
                (expected, actual.map(|_| "ok".into()))
            }
            Step::Settle { user, success } => {
                let Some(b) = model.latest(*user) else {
                    continue;
                };
                let Some((payment_id, _)) = model.bookings[b].payment.clone() else {
                    continue;
                };
                let expected = model.settle(b, *success, now_ms);
                let actual = actor
                    .send(SettlePayment {
                        payment_id,
                        result: if *success {
                            PaymentResult::Succeeded
                        } else {
                            PaymentResult::Failed
                        },
                        now,
                    })
                    .await
                    .expect("mailbox");
                let actual = code(actual).map(|s| {
                    serde_json::to_value(&s).expect("json")["outcome"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string()
                });
                (expected, actual)
            }
            Step::Advance { minutes } => {
                system.clock.advance(Duration::from_secs(minutes * 60));
                continue;
            }
            Step::Sweep => {
                let expected = model.expire(now_ms);
                let report = sweep_expired_holds(&system.registry, now).await;
                prop_assert_eq!(report.failed, 0);
                (Ok(expected.to_string()), Ok(report.released.to_string()))
            }
            Step::Restart => {
                system = system.restart().await;
                model.expire(now_ms);
                (Ok(String::new()), Ok(String::new()))
            }
            Step::Cancel => {
                let expected = model.cancel(now_ms);
                let actual = actor
                    .send(CancelShowtime {
                        by: None,
                        reason: "test".into(),
                        offer: None,
                        now,
                    })
                    .await
                    .expect("mailbox");
                let actual = code(actual).map(|done| {
                    if done.already_cancelled {
                        "already".to_string()
                    } else {
                        format!(
                            "voided {}, refunds {}",
                            done.bookings_voided, done.refunds_queued
                        )
                    }
                });
                (expected, actual)
            }
            Step::Block { seats } => {
                let expected = model.block(seats, now_ms);
                let actual = actor
                    .send(BlockSeats {
                        seats: seats.iter().map(|s| seat_name(*s)).collect(),
                        reason: "broken".into(),
                        by: None,
                        now,
                    })
                    .await
                    .expect("mailbox");
                let actual = code(actual).map(|done| format!("changed {}", done.changed));
                (expected, actual)
            }
            Step::Unblock { seat } => {
                let expected = model.unblock(*seat, now_ms);
                let actual = actor
                    .send(UnblockSeat {
                        seat: seat_name(*seat),
                        by: None,
                        now,
                    })
                    .await
                    .expect("mailbox");
                let actual = code(actual).map(|done| format!("changed {}", done.changed));
                (expected, actual)
            }
            Step::Reprice { amount } => {
                // Expires what is due first, as every change does.
                model.expire(now_ms);
                let expected = if model.cancelled {
                    Err("showtime_cancelled".to_string())
                } else {
                    Ok("ok".to_string())
                };
                let edit = Reschedule {
                    prices: Some([("regular".to_string(), *amount)].into()),
                    time: None,
                };
                let actual = actor
                    .send(EditShowtime {
                        edit,
                        timezone: chrono_tz::Asia::Jakarta,
                        by: None,
                        now,
                    })
                    .await
                    .expect("mailbox");
                (expected, code(actual).map(|()| "ok".to_string()))
            }
        };
        prop_assert_eq!(
            &actual,
            &expected,
            "step {} {:?} disagreed with the model",
            i,
            step
        );
        check(&system, &model).await?;
    }
    system.registry.stop();
    system.store.close();
    Ok(())
}

/// No seat has two owners, memory equals the database, and both equal the model.
async fn check(system: &System, model: &Model) -> Result<(), TestCaseError> {
    let memory = system
        .actor()
        .await
        .send(GetDurableState { now: system.now() })
        .await
        .expect("mailbox");
    let stored = system.stored_state().await;
    prop_assert_eq!(&memory, &stored, "memory differs from the database");

    let ids: HashMap<usize, &BookingId> = model
        .bookings
        .iter()
        .enumerate()
        .map(|(i, b)| (i, &b.id))
        .collect();
    for (seat, state) in memory.states.iter().enumerate() {
        let expected = match model.seats[seat] {
            None if model.blocked[seat] => SeatState::Blocked,
            None => SeatState::Available,
            Some((b, true)) => SeatState::Sold {
                booking: ids[&b].clone(),
            },
            Some((b, false)) => SeatState::Locked {
                booking: ids[&b].clone(),
                until: model.bookings[b].expires_at,
            },
        };
        prop_assert_eq!(
            state,
            &expected,
            "seat {} differs from the model",
            seat_name(seat)
        );
    }
    let now = to_millis(system.now());
    for booking in &model.bookings {
        let status = match memory.bookings.iter().find(|b| b.0 == booking.id) {
            Some(remembered) => Some(remembered.2),
            None => {
                // Ended long ago: not compared in memory, so in the database.
                prop_assert!(
                    !bioskop::seats::book::is_kept(booking.status, booking.expires_at, now),
                    "{} is missing from memory",
                    booking.id
                );
                let id = booking.id.to_string();
                system
                    .store
                    .read(move |conn| {
                        Ok(conn.query_row(
                            "SELECT status FROM bookings WHERE id = ?1",
                            [&id],
                            |r| r.get::<_, BookingStatus>(0),
                        )?)
                    })
                    .await
                    .ok()
            }
        };
        prop_assert_eq!(status, Some(booking.status), "status of {}", booking.id);
    }

    let doubles: i64 = system
        .store
        .read(|conn| {
            Ok(conn.query_row(
                "SELECT COUNT(*) FROM (SELECT seat_id FROM tickets WHERE showtime_id = ?1 AND status = 'valid'
                 GROUP BY seat_id HAVING COUNT(*) > 1)",
                [SHOWTIME],
                |r| r.get(0),
            )?)
        })
        .await
        .expect("tickets");
    prop_assert_eq!(doubles, 0, "a seat has two valid tickets");
    let sold = memory
        .states
        .iter()
        .filter(|s| matches!(s, SeatState::Sold { .. }))
        .count() as i64;
    let tickets: i64 = system
        .store
        .read(|conn| {
            Ok(conn.query_row(
                "SELECT COUNT(*) FROM tickets WHERE showtime_id = ?1 AND status = 'valid'",
                [SHOWTIME],
                |r| r.get(0),
            )?)
        })
        .await
        .expect("tickets");
    prop_assert_eq!(sold, tickets, "one valid ticket per sold seat");
    let refunds: i64 = system
        .store
        .read(|conn| {
            Ok(conn.query_row(
                "SELECT COUNT(*) FROM refunds r JOIN refund_outbox o ON o.refund_id = r.id AND o.attempt = 1
                 WHERE r.showtime_id = ?1",
                [SHOWTIME],
                |r| r.get(0),
            )?)
        })
        .await
        .expect("refunds");
    prop_assert_eq!(
        refunds,
        model.refunds,
        "one queued refund per payment owed back"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        max_shrink_iters: 2000,
        ..ProptestConfig::default()
    })]

    #[test]
    fn no_seat_ever_has_two_owners_and_memory_always_equals_the_database(steps in vec(step(), 1..60)) {
        actix::System::new().block_on(run(steps, false))?;
    }

    /// The same, with `booking.no_single_gap` on: every hold, added and
    /// removed seat the actor accepts keeps the rule, and every one it
    /// refuses with `single_seat_gap` breaks it, by the rule written apart.
    #[test]
    fn with_the_seating_rule_no_accepted_change_leaves_a_seat_alone(steps in vec(step(), 1..60)) {
        actix::System::new().block_on(run(steps, true))?;
    }
}

/// The rule is not vacuous in the state machine: a first hold of the
/// second seat of an empty row would strand the first, and both the rule
/// written apart and the actor refuse it; the same hold with the first seat
/// too is accepted by both (`run` fails on any disagreement).
#[test]
fn with_the_seating_rule_a_stranding_hold_is_refused_and_a_fitting_one_accepted() {
    assert!(!rule_allows_taking(&[true; SEATS], &[1]));
    assert!(rule_allows_taking(&[true; SEATS], &[0, 1]));
    let steps = vec![
        Step::Hold {
            user: 0,
            seats: vec![1],
        },
        Step::Hold {
            user: 0,
            seats: vec![0, 1],
        },
    ];
    actix::System::new()
        .block_on(run(steps, true))
        .expect("the actor agrees with the rule");
}

/// A sweep's expiry waits in the background lane, and a hold sent right behind
/// it to the same showtime overtakes it in the interactive lane: the hold
/// must still get the seat whose lock ran out (expiry is data).
#[test]
fn a_hold_that_overtakes_a_queued_background_expiry_still_gets_the_lapsed_seat() {
    actix::System::new().block_on(async {
        let system = System::start().await;
        let actor = system.actor().await;
        let now = system.now();
        actor
            .send(HoldSeats {
                box_office: false,
                user: UserId(1),
                seats: vec![seat_name(0), seat_name(1)],
                now,
            })
            .await
            .expect("mailbox")
            .expect("first hold");
        system.clock.advance(Duration::from_millis(TTL_MS as u64));
        let later = system.now();
        // Hold the writer up so both writes are queued before either runs.
        let (open_gate, gate_opened) = std::sync::mpsc::channel::<()>();
        let gate = system.store.write(move |_| {
            let _ = gate_opened.recv();
            Ok(())
        });
        let expiry = actor.send(bioskop::seats::actor::ExpireHolds { now: later });
        let hold = actor.send(HoldSeats {
            box_office: false,
            user: UserId(2),
            seats: vec![seat_name(0)],
            now: later,
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        let _ = open_gate.send(());
        gate.await.expect("gate");
        let (expiry, hold) = futures_util::join!(expiry, hold);
        assert_eq!(expiry.expect("mailbox").expect("expiry").seats, 2);
        hold.expect("mailbox")
            .expect("the freed seat is held again");
        let memory = actor
            .send(GetDurableState { now: system.now() })
            .await
            .expect("mailbox");
        let stored = system.stored_state().await;
        assert_eq!(memory, stored);
        system.registry.stop();
        system.store.close();
    });
}

/// If the database refuses a change (here: a row removed behind the actor's
/// back), the caller gets an error and the actor reloads itself from the
/// database instead of carrying on with memory that is ahead of it.
#[test]
fn an_actor_whose_write_is_refused_reloads_what_the_database_holds() {
    actix::System::new().block_on(async {
        let system = System::start().await;
        let actor = system.actor().await;
        let now = system.now();
        let held = actor
            .send(HoldSeats { box_office: false, user: UserId(1), seats: vec![seat_name(0), seat_name(1)], now })
            .await
            .expect("mailbox")
            .expect("hold");
        let tamper = rusqlite::Connection::open(system.dir.path().join("seats.db")).expect("open");
        tamper.busy_timeout(Duration::from_secs(5)).expect("busy timeout");
        tamper
            .execute("DELETE FROM seat_occupancy WHERE seat_id = ?1", [seat_name(0)])
            .expect("tamper");

        let refused = actor
            .send(EditSeat { box_office: false, user: UserId(1), booking_id: held.booking_id.clone(), seat: seat_name(0), edit: SeatEdit::Remove, now })
            .await
            .expect("mailbox");
        assert_eq!(refused.err().map(|e| e.code()), Some("internal_error"));

        // The next message is handled after the reload.
        let memory = actor.send(GetDurableState { now: system.now() }).await.expect("mailbox");
        let stored = system.stored_state().await;
        assert_eq!(memory, stored, "memory was reloaded from the database");
        assert_eq!(memory.states[0], SeatState::Available, "the seat the database lost is free");
        assert!(matches!(&memory.states[1], SeatState::Locked { booking, .. } if booking == &held.booking_id));
        system.registry.stop();
        system.store.close();
    });
}

/// A burst of first requests for a showtime not yet in memory loads it once.
#[test]
fn many_first_requests_at_once_load_a_showtime_once() {
    actix::System::new().block_on(async {
        let system = System::start().await;
        let actors =
            futures_util::future::join_all((0..50).map(|_| system.registry.get(SHOWTIME))).await;
        let first = (**actors[0].as_ref().expect("the actor")).clone();
        assert!(
            actors
                .iter()
                .all(|a| a.as_ref().is_ok_and(|a| **a == first))
        );
        assert_eq!(system.registry.loads(), 1);
        assert_eq!(
            system
                .registry
                .get(ShowtimeId(404))
                .await
                .err()
                .map(|e| e.code()),
            Some("not_found")
        );
        assert_eq!(
            system.registry.live().len(),
            1,
            "an unknown showtime leaves nothing behind"
        );
        system.registry.stop();
        system.store.close();
    });
}

/// With someone watching the live map and nobody else writing, a hold that
/// runs out is announced as expired at its deadline and recorded as expired,
/// without waiting for the minute's sweep (real clock, a 300 ms hold).
#[test]
fn a_hold_that_lapses_while_someone_watches_is_announced_and_recorded_at_its_deadline() {
    actix::System::new().block_on(async {
        let system = System::start().await;
        let registry = ShowtimeRegistry::new(
            system.store.clone(),
            Rules {
                hold_ttl_ms: 300,
                ..rules()
            },
            Arc::new(bioskop::clock::SystemClock),
        );
        let actor = registry.get(SHOWTIME).await.expect("the showtime actor");
        let mut watcher = actor
            .send(Subscribe {
                last_event_id: None,
            })
            .await
            .expect("subscribed");
        let held = actor
            .send(HoldSeats {
                box_office: false,
                user: UserId(1),
                seats: vec!["A1".into()],
                now: Utc::now(),
            })
            .await
            .expect("mailbox")
            .expect("held");
        let next = |events: &mut tokio::sync::mpsc::Receiver<actix_web::web::Bytes>| {
            let frame = events.try_recv().ok();
            frame.map(|f| String::from_utf8_lossy(&f).to_string())
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        let locked = next(&mut watcher.events).expect("the hold is announced");
        assert!(locked.contains("\"reason\":\"locked\""), "{locked}");
        let expired = tokio::time::timeout(Duration::from_secs(3), watcher.events.recv())
            .await
            .expect("announced within 3 s")
            .expect("a frame");
        let expired = String::from_utf8_lossy(&expired).to_string();
        assert!(expired.contains("\"reason\":\"expired\""), "{expired}");

        let id = held.booking_id.clone();
        let deadline = std::time::Instant::now() + Duration::from_secs(3);
        loop {
            let id = id.clone();
            let status: String = system
                .store
                .read(move |conn| {
                    Ok(
                        conn.query_row("SELECT status FROM bookings WHERE id = ?1", [id], |r| {
                            r.get(0)
                        })?,
                    )
                })
                .await
                .expect("booking");
            if status == "expired" {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "still {status}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // Nothing more to say until something changes.
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(next(&mut watcher.events).is_none());
        registry.stop();
        system.store.close();
    });
}
