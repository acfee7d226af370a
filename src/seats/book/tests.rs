//! The book's own rules, without the actor or SQLite.

use std::collections::HashMap;

use super::*;

/// Predictable ids, so a test can name what a change created.
#[derive(Default)]
struct Counter(u64);

impl Fresh for Counter {
    fn ticket_id(&mut self) -> TicketId {
        self.0 += 1;
        format!("t{}", self.0).into()
    }
    fn checkin_code(&mut self) -> String {
        self.0 += 1;
        format!("code{}", self.0)
    }
    fn refund_id(&mut self) -> RefundId {
        self.0 += 1;
        format!("r{}", self.0).into()
    }
}

use super::fixtures::MINUTE;

/// A1–A3 regular, B1 premium; three seats a booking, a two-minute cooldown.
fn book() -> SeatBook {
    let rules = Rules {
        rehold_cooldown_ms: 2 * MINUTE,
        ..super::fixtures::rules(3)
    };
    super::fixtures::book(&["RRR", "P"], rules)
}

fn seats(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

#[test]
fn a_seat_held_by_one_customer_cannot_be_held_by_another() {
    let mut book = book();
    let mut ops = vec![];
    book.hold(UserId(1), false, "b1".into(), &seats(&["A1"]), 0, &mut ops)
        .expect("first hold");
    let err = book
        .hold(
            UserId(2),
            false,
            "b2".into(),
            &seats(&["A2", "A1"]),
            0,
            &mut ops,
        )
        .unwrap_err();
    assert!(matches!(err, AppError::SeatUnavailable { ref seats } if seats == &["A1"]));
    assert_eq!(
        book.states[1],
        SeatState::Available,
        "all or none: A2 stays free"
    );
}

#[test]
fn a_hold_is_free_for_others_exactly_at_its_deadline() {
    let mut book = book();
    let mut ops = vec![];
    book.hold(UserId(1), false, "b1".into(), &seats(&["A1"]), 0, &mut ops)
        .expect("hold");
    let just_before = 10 * MINUTE - 1;
    assert!(
        book.hold(
            UserId(2),
            false,
            "b2".into(),
            &seats(&["A1"]),
            just_before,
            &mut ops
        )
        .is_err()
    );
    assert_eq!(
        book.seat_map(None, just_before)[0].status,
        SeatStatus::Locked
    );
    assert_eq!(
        book.seat_map(None, 10 * MINUTE)[0].status,
        SeatStatus::Available
    );
    book.hold(
        UserId(2),
        false,
        "b2".into(),
        &seats(&["A1"]),
        10 * MINUTE,
        &mut ops,
    )
    .expect("taken at the deadline");
    assert_eq!(book.bookings["b1"].status, BookingStatus::Expired);
}

#[test]
fn adding_a_seat_never_extends_the_hold() {
    let mut book = book();
    let mut ops = vec![];
    let held = book
        .hold(UserId(1), false, "b1".into(), &seats(&["A1"]), 0, &mut ops)
        .expect("hold");
    let added = book
        .add_seat(UserId(1), false, "b1", "A2", 9 * MINUTE, &mut ops)
        .expect("add");
    assert_eq!(added.expires_at, held.expires_at);
    assert_eq!(
        book.expire_due(10 * MINUTE, &mut ops),
        Expired {
            bookings: 1,
            seats: 2
        }
    );
    assert!(book.states.iter().all(|s| *s == SeatState::Available));
}

#[test]
fn a_booking_cannot_hold_more_than_the_maximum() {
    let mut book = book();
    let mut ops = vec![];
    let err = book
        .hold(
            UserId(1),
            false,
            "b1".into(),
            &seats(&["A1", "A2", "A3", "B1"]),
            0,
            &mut ops,
        )
        .unwrap_err();
    assert_eq!(err.code(), "too_many_seats");
    book.hold(
        UserId(1),
        false,
        "b1".into(),
        &seats(&["A1", "A2", "A3"]),
        0,
        &mut ops,
    )
    .expect("three");
    assert_eq!(
        book.add_seat(UserId(1), false, "b1", "B1", 0, &mut ops)
            .unwrap_err()
            .code(),
        "too_many_seats"
    );
}

#[test]
fn a_late_success_resells_free_seats_and_refunds_taken_ones() {
    let mut book = book();
    let mut ops = vec![];
    book.hold(UserId(1), false, "b1".into(), &seats(&["A1"]), 0, &mut ops)
        .expect("hold");
    let request = PaymentRequest {
        payment_id: "p1".into(),
        provider: "sandbox".into(),
    };
    book.start_payment(UserId(1), "b1", request, 0, &mut ops)
        .expect("pay");
    book.hold(UserId(2), false, "b2".into(), &seats(&["A2"]), 0, &mut ops)
        .expect("hold");
    let request = PaymentRequest {
        payment_id: "p2".into(),
        provider: "sandbox".into(),
    };
    book.start_payment(UserId(2), "b2", request, 0, &mut ops)
        .expect("pay");
    // Both expire; a third customer takes A2.
    book.hold(
        UserId(3),
        false,
        "b3".into(),
        &seats(&["A2"]),
        11 * MINUTE,
        &mut ops,
    )
    .expect("retake");
    let first = book
        .settle_payment(
            "p1",
            PaymentResult::Succeeded,
            12 * MINUTE,
            &mut Counter::default(),
            &mut ops,
        )
        .expect("p1");
    assert!(matches!(first, Settlement::PaidAfterExpiry { .. }));
    let second = book
        .settle_payment(
            "p2",
            PaymentResult::Succeeded,
            12 * MINUTE,
            &mut Counter::default(),
            &mut ops,
        )
        .expect("p2");
    assert_eq!(
        second,
        Settlement::RefundRequired {
            reason: REFUND_SEATS_TAKEN.into()
        }
    );
    assert_eq!(
        book.states[1],
        SeatState::Locked {
            booking: "b3".into(),
            until: 21 * MINUTE
        }
    );
    let again = book
        .settle_payment(
            "p1",
            PaymentResult::Succeeded,
            12 * MINUTE,
            &mut Counter::default(),
            &mut ops,
        )
        .expect("duplicate");
    assert!(matches!(again, Settlement::Unchanged { .. }));
}

#[test]
fn after_a_restart_the_newer_of_two_open_bookings_is_the_customers_open_one() {
    for newer_first in [true, false] {
        let mut book = book();
        let booking = |id: &str, expires_at: i64| Booking {
            id: id.into(),
            user_id: UserId(7),
            status: BookingStatus::Held,
            seats: Vec::new(),
            created_at: 0,
            expires_at,
            payment_id: None,
        };
        let (old, new) = (booking("old", MINUTE), booking("new", 20 * MINUTE));
        if newer_first {
            book.restore_booking(new);
            book.restore_booking(old);
        } else {
            book.restore_booking(old);
            book.restore_booking(new);
        }
        let mut ops = vec![];
        book.expire_due(10 * MINUTE, &mut ops);
        assert!(
            book.has_open_booking(UserId(7)),
            "newer first: {newer_first}"
        );
        let again = book.hold(
            UserId(7),
            false,
            "third".into(),
            &seats(&["A1"]),
            10 * MINUTE,
            &mut ops,
        );
        assert_eq!(again.unwrap_err().code(), "booking_already_open");
    }
}

#[test]
fn a_blocked_seat_cannot_be_held_or_added_and_is_held_again_once_unblocked() {
    let mut book = book();
    let mut ops = vec![];
    let done = book
        .block(&seats(&["A2"]), "broken", Some(UserId(9)), 0, &mut ops)
        .expect("block");
    assert_eq!(done.blocked, seats(&["A2"]));
    assert!(done.changed);
    assert!(
        matches!(ops.last(), Some(Op::BlockSeats { seat_ids, .. }) if *seat_ids == seats(&["A2"]))
    );
    assert_eq!(book.states[1].public_at(0), (SeatStatus::Blocked, 0));
    let err = book
        .hold(
            UserId(1),
            false,
            "b1".into(),
            &seats(&["A1", "A2"]),
            0,
            &mut ops,
        )
        .unwrap_err();
    assert!(matches!(err, AppError::SeatUnavailable { seats } if seats == ["A2"]));
    book.hold(UserId(1), false, "b1".into(), &seats(&["A1"]), 0, &mut ops)
        .expect("hold");
    let err = book
        .add_seat(UserId(1), false, "b1", "A2", 0, &mut ops)
        .unwrap_err();
    assert!(matches!(err, AppError::SeatUnavailable { .. }));
    let doc = book.seat_map_doc(None, 0);
    assert_eq!(
        doc.seats_available, 2,
        "A3 and B1: blocked is not available"
    );

    let mut ops = vec![];
    let done = book.unblock("A2", 0, &mut ops).expect("unblock");
    assert!(done.changed && done.blocked.is_empty());
    assert_eq!(
        ops,
        vec![Op::UnblockSeat {
            showtime_id: ShowtimeId(1),
            seat_id: "A2".into()
        }]
    );
    book.add_seat(UserId(1), false, "b1", "A2", 0, &mut ops)
        .expect("A2 is free again");
}

#[test]
fn a_held_or_sold_seat_cannot_be_blocked_and_nothing_is_blocked() {
    let mut book = book();
    let mut ops = vec![];
    book.hold(UserId(1), false, "b1".into(), &seats(&["A1"]), 0, &mut ops)
        .expect("hold");
    let request = PaymentRequest {
        payment_id: "p1".into(),
        provider: "sandbox".into(),
    };
    book.start_payment(UserId(1), "b1", request, 0, &mut ops)
        .expect("pay");
    book.settle_payment(
        "p1",
        PaymentResult::Succeeded,
        0,
        &mut Counter::default(),
        &mut ops,
    )
    .expect("sold");
    book.hold(UserId(2), false, "b2".into(), &seats(&["A2"]), 0, &mut ops)
        .expect("hold");
    let mut ops = vec![];
    let err = book
        .block(&seats(&["A3", "A1", "A2"]), "press", None, MINUTE, &mut ops)
        .unwrap_err();
    assert!(matches!(err, AppError::SeatUnavailable { seats } if seats == ["A1", "A2"]));
    assert!(ops.is_empty());
    assert!(book.blocked_ids().is_empty(), "all or none");
    // Once the hold lapses its seat can be blocked.
    let done = book
        .block(&seats(&["A2"]), "press", None, 11 * MINUTE, &mut ops)
        .expect("block a lapsed seat");
    assert_eq!(done.blocked, seats(&["A2"]));
}

#[test]
fn blocking_again_changes_nothing_and_unblocking_a_free_seat_changes_nothing() {
    let mut book = book();
    let mut ops = vec![];
    book.block(&seats(&["A1"]), "broken", None, 0, &mut ops)
        .expect("block");
    let version = book.version();
    let mut ops = vec![];
    let again = book
        .block(&seats(&["A1"]), "broken", None, 0, &mut ops)
        .expect("again");
    assert!(!again.changed);
    assert_eq!(again.blocked, seats(&["A1"]));
    assert!(ops.is_empty());
    let free = book.unblock("B1", 0, &mut ops).expect("free seat");
    assert!(!free.changed);
    assert!(ops.is_empty());
    assert_eq!(book.version(), version);
    assert!(matches!(
        book.unblock("Z9", 0, &mut ops),
        Err(AppError::Validation {
            code: "unknown_seat",
            ..
        })
    ));
}

#[test]
fn expiry_and_cancellation_keep_blocks_and_a_cancelled_showtime_cannot_block() {
    let mut book = book();
    let mut ops = vec![];
    book.block(&seats(&["B1"]), "house seats", None, 0, &mut ops)
        .expect("block");
    book.hold(UserId(1), false, "b1".into(), &seats(&["A1"]), 0, &mut ops)
        .expect("hold");
    book.expire_due(11 * MINUTE, &mut ops);
    assert_eq!(book.states[3], SeatState::Blocked);
    book.cancel(
        "flood",
        None,
        11 * MINUTE,
        &mut Counter::default(),
        &mut ops,
    );
    assert_eq!(book.states[3], SeatState::Blocked);
    assert!(matches!(
        book.block(&seats(&["A2"]), "late", None, 11 * MINUTE, &mut ops),
        Err(AppError::ShowtimeCancelled)
    ));
}

#[test]
fn a_customer_who_releases_a_seat_cannot_hold_it_again_until_the_cooldown_ends() {
    let mut book = book();
    let mut ops = vec![];
    book.hold(
        UserId(1),
        false,
        "b1".into(),
        &seats(&["A1", "A2"]),
        0,
        &mut ops,
    )
    .expect("hold");
    book.remove_seat(UserId(1), false, "b1", "A2", MINUTE, &mut ops)
        .expect("removed");
    // Adding it back to the same booking is refused, with the time left.
    let err = book
        .add_seat(UserId(1), false, "b1", "A2", MINUTE + 30_000, &mut ops)
        .unwrap_err();
    assert!(
        matches!(err, AppError::ReholdCooldown { ref seats, retry_after_secs: 90 } if seats == &["A2"]),
        "{err:?}"
    );
    // Releasing the booking and holding again: refused for both seats.
    book.release(UserId(1), "b1", 2 * MINUTE, &mut ops)
        .expect("released");
    let err = book
        .hold(
            UserId(1),
            false,
            "b2".into(),
            &seats(&["A1", "A3"]),
            2 * MINUTE,
            &mut ops,
        )
        .unwrap_err();
    assert!(
        matches!(err, AppError::ReholdCooldown { ref seats, retry_after_secs: 120 } if seats == &["A1"]),
        "{err:?}"
    );
    // Someone else takes a released seat at once.
    book.hold(
        UserId(2),
        false,
        "b3".into(),
        &seats(&["A2"]),
        2 * MINUTE,
        &mut ops,
    )
    .expect("another customer");
    // After the cooldown, the first customer holds A1 again.
    book.hold(
        UserId(1),
        false,
        "b4".into(),
        &seats(&["A1"]),
        4 * MINUTE,
        &mut ops,
    )
    .expect("the cooldown is over");
}

#[test]
fn a_seat_lost_to_expiry_is_not_cooling_down() {
    let mut book = book();
    let mut ops = vec![];
    book.hold(UserId(1), false, "b1".into(), &seats(&["A1"]), 0, &mut ops)
        .expect("hold");
    book.hold(
        UserId(1),
        false,
        "b2".into(),
        &seats(&["A1"]),
        10 * MINUTE,
        &mut ops,
    )
    .expect("the hold ran out: no cooldown, held again");
}

/// The no-lone-seat rule, checked against an oracle written apart from
/// `gaps`: after every hold, added or removed seat the book accepts, each
/// seat newly alone must have been unavoidable (no other choice of as many
/// seats from its free run would have left none alone), and a removal never
/// leaves one.
mod lone_seats {
    use proptest::{collection::vec, prelude::*};

    use super::*;

    /// Two rows of ten, the second with an aisle after its third seat.
    fn gap_book() -> SeatBook {
        let rules = Rules {
            no_single_gap: true,
            ..crate::seats::book::fixtures::rules(6)
        };
        crate::seats::book::fixtures::book(&["RRRRRRRRRR", "RRR_RRRRRRR"], rules)
    }

    #[derive(Debug, Clone)]
    enum Step {
        Hold { user: u8, seats: Vec<usize> },
        Add { user: u8, seat: usize },
        Remove { user: u8, seat: usize },
        Release { user: u8 },
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            3 => (0..4u8, vec(0..20usize, 1..=4)).prop_map(|(user, seats)| Step::Hold { user, seats }),
            3 => (0..4u8, 0..20usize).prop_map(|(user, seat)| Step::Add { user, seat }),
            2 => (0..4u8, 0..20usize).prop_map(|(user, seat)| Step::Remove { user, seat }),
            1 => (0..4u8).prop_map(|user| Step::Release { user }),
        ]
    }

    /// The seat beside `seat` on `side` (-1 or 1), by grid position.
    fn beside(book: &SeatBook, seat: usize, side: i64) -> Option<usize> {
        let def = book.layout.seat(seat)?;
        book.layout
            .iter()
            .position(|s| s.grid_row == def.grid_row && s.grid_col == def.grid_col + side)
    }

    fn alone(book: &SeatBook, taken: &[bool], seat: usize) -> bool {
        if taken[seat] {
            return false;
        }
        let sides = [beside(book, seat, -1), beside(book, seat, 1)].map(|s| s.map(|s| taken[s]));
        sides.iter().all(|s| *s != Some(false)) && sides.contains(&Some(true))
    }

    /// The free run around `seat` when `taken` holds.
    fn run_of(book: &SeatBook, taken: &[bool], seat: usize) -> Vec<usize> {
        let mut run = vec![seat];
        for side in [-1, 1] {
            let mut at = seat;
            while let Some(next) = beside(book, at, side).filter(|&s| !taken[s]) {
                run.push(next);
                at = next;
            }
        }
        run
    }

    /// Whether some choice of `k` seats of `run` leaves none of it alone.
    fn avoidable(book: &SeatBook, taken: &[bool], run: &[usize], k: usize) -> bool {
        (0u32..(1 << run.len())).any(|mask| {
            if mask.count_ones() as usize != k {
                return false;
            }
            let mut after = taken.to_vec();
            for (i, &s) in run.iter().enumerate() {
                if mask & (1 << i) != 0 {
                    after[s] = true;
                }
            }
            run.iter().all(|&s| !alone(book, &after, s))
        })
    }

    fn taken(book: &SeatBook) -> Vec<bool> {
        (0..book.states.len())
            .map(|s| !book.is_available(s))
            .collect()
    }

    proptest! {
        #[test]
        fn no_accepted_change_leaves_a_seat_alone_that_could_have_been_avoided(
            steps in vec(step(), 1..40)
        ) {
            let mut book = gap_book();
            let mut ops = Vec::new();
            let mut bookings: HashMap<u8, BookingId> = HashMap::new();
            let mut next_id = 0;
            for step in steps {
                let before = taken(&book);
                let layout = book.layout.clone();
                let name = |s: usize| layout.seat_id(s).to_string();
                let (accepted, removal) = match &step {
                    Step::Hold { user, seats } => {
                        next_id += 1;
                        let id: BookingId = format!("b{next_id}").into();
                        let ids: Vec<String> = seats.iter().map(|&s| name(s)).collect();
                        let held = book.hold(UserId(i64::from(*user)), false, id.clone(), &ids, 0, &mut ops);
                        if held.is_ok() {
                            bookings.insert(*user, id);
                        }
                        (held.is_ok(), false)
                    }
                    Step::Add { user, seat } => match bookings.get(user) {
                        Some(id) => (book.add_seat(UserId(i64::from(*user)), false, id, &name(*seat), 0, &mut ops).is_ok(), false),
                        None => (false, false),
                    },
                    Step::Remove { user, seat } => match bookings.get(user) {
                        Some(id) => (book.remove_seat(UserId(i64::from(*user)), false, id, &name(*seat), 0, &mut ops).is_ok(), true),
                        None => (false, true),
                    },
                    Step::Release { user } => {
                        if let Some(id) = bookings.remove(user) {
                            book.release(UserId(i64::from(*user)), &id, 0, &mut ops).ok();
                        }
                        continue;
                    }
                };
                if !accepted {
                    prop_assert_eq!(taken(&book), before, "a refused change changed nothing");
                    continue;
                }
                let after = taken(&book);
                for seat in 0..after.len() {
                    if !alone(&book, &after, seat) || alone(&book, &before, seat) {
                        continue;
                    }
                    prop_assert!(!removal, "removing a seat left {} alone", name(seat));
                    let run = run_of(&book, &before, seat);
                    let k = run.iter().filter(|&&s| after[s] && !before[s]).count();
                    prop_assert!(
                        !avoidable(&book, &before, &run, k),
                        "{} was left alone, though {} seats of its run could be taken without that",
                        name(seat),
                        k
                    );
                }
            }
        }
    }
}
