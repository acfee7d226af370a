//! The seating rules over a showtime's rows (DESIGN 4c), as pure functions
//! of the layout and which seats are taken (held, sold or blocked): no lone
//! seats, the nearest seat sets that keep to that rule, and the best block
//! of adjacent seats. The book applies them; they change nothing.
//!
//! A seat is *alone* when it is free and each side of it is a taken seat or
//! the end of its run of seats (an aisle, the row's end), at least one side
//! being a taken seat. A change may not make a seat alone, with one
//! exception: when every way of taking that many seats from the same run of
//! free seats would leave one alone (the run has exactly one seat more than
//! the change takes there), the last seats of the run can only be sold that
//! way, and the change goes through. Couple seats are exempt: a couple seat
//! is never the seat left alone (it is for two), though it is a neighbour
//! like any seat, free or taken.

use std::collections::BTreeSet;

use super::layout::Layout;

/// What a change does to the seats it names.
#[derive(Debug, Clone, Copy)]
pub enum Change<'a> {
    /// Takes these seats (a hold, an added seat).
    Take(&'a [usize]),
    /// Frees this seat (a seat taken out of a booking).
    Free(usize),
}

/// The seats `change` would leave alone that are not alone now, given which
/// seats are `taken` before it; empty when the change keeps to the rule.
pub fn strands(layout: &Layout, taken: &dyn Fn(usize) -> bool, change: Change<'_>) -> Vec<usize> {
    stranded(layout, taken, change, true)
}

/// Like [`strands`], but without the exception for the last seats of a run:
/// what best-seat picking avoids whenever it can.
fn strands_at_all(
    layout: &Layout,
    taken: &dyn Fn(usize) -> bool,
    change: Change<'_>,
) -> Vec<usize> {
    stranded(layout, taken, change, false)
}

fn stranded(
    layout: &Layout,
    taken: &dyn Fn(usize) -> bool,
    change: Change<'_>,
    allow_last_seats: bool,
) -> Vec<usize> {
    let changed: &[usize] = match &change {
        Change::Take(seats) => seats,
        Change::Free(seat) => std::slice::from_ref(seat),
    };
    let after = |seat: usize| match change {
        Change::Take(seats) => taken(seat) || seats.contains(&seat),
        Change::Free(freed) => seat != freed && taken(seat),
    };
    let blocks: BTreeSet<usize> = changed
        .iter()
        .filter_map(|&seat| layout.place(seat).map(|(block, _)| block))
        .collect();
    let mut stranded = Vec::new();
    for block in blocks {
        let Some(seats) = layout.blocks().get(block) else {
            continue;
        };
        for (k, &seat) in seats.iter().enumerate() {
            if layout.seat(seat).is_some_and(|s| s.is_couple()) {
                continue;
            }
            if !is_alone(seats, k, &after) || is_alone(seats, k, taken) {
                continue;
            }
            if allow_last_seats
                && let Change::Take(taking) = change
                && only_way(seats, k, taken, taking)
            {
                continue;
            }
            stranded.push(seat);
        }
    }
    stranded
}

/// Whether the seat at `k` of `block` is alone when `taken` says what is taken.
fn is_alone(block: &[usize], k: usize, taken: &dyn Fn(usize) -> bool) -> bool {
    let Some(&seat) = block.get(k) else {
        return false;
    };
    if taken(seat) {
        return false;
    }
    let left = k
        .checked_sub(1)
        .and_then(|i| block.get(i))
        .map(|&s| taken(s));
    let right = block.get(k + 1).map(|&s| taken(s));
    // `None`: the end of the run; `Some(true)`: a taken seat.
    left != Some(false) && right != Some(false) && (left == Some(true) || right == Some(true))
}

/// Whether the free run around `k` (before the change) has exactly one seat
/// more than the change takes from it: then every choice leaves one alone.
fn only_way(block: &[usize], k: usize, taken: &dyn Fn(usize) -> bool, taking: &[usize]) -> bool {
    let free = |i: usize| block.get(i).is_some_and(|&s| !taken(s));
    let mut start = k;
    while start > 0 && free(start - 1) {
        start -= 1;
    }
    let mut end = k;
    while free(end + 1) {
        end += 1;
    }
    let run = block.get(start..=end).unwrap_or_default();
    let taken_here = run.iter().filter(|s| taking.contains(s)).count();
    taken_here > 0 && run.len() == taken_here + 1
}

/// Up to `limit` sets of `count` adjacent free seats of `class` that keep to
/// the rule, nearest to `near` first (rows count double, as in best seats).
pub fn alternatives(
    layout: &Layout,
    taken: &dyn Fn(usize) -> bool,
    count: usize,
    class: &str,
    near: &[usize],
    limit: usize,
) -> Vec<Vec<usize>> {
    let Some((row, centre)) = centre_of(layout, near) else {
        return Vec::new();
    };
    let mut found: Vec<(f64, Vec<usize>)> = windows(layout, taken, count, Some(class))
        .filter(|window| strands(layout, taken, Change::Take(window)).is_empty())
        .filter_map(|window| {
            let (r, c) = centre_of(layout, &window)?;
            Some((2.0 * (r - row).abs() + (c - centre).abs(), window))
        })
        .collect();
    found.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    found.into_iter().take(limit).map(|(_, w)| w).collect()
}

/// The best block of `count` adjacent free seats (DESIGN 4c): lowest
/// 2 × |row − ideal row| + |block centre − row centre| in grid columns,
/// the ideal row being round(0.6 × (rows − 1)) from the screen. A block that
/// leaves no seat alone is preferred to one that leaves one only because the
/// run can be sold no other way. Without `class`, couple seats and
/// wheelchair spaces are not offered. `Err` carries the largest block of
/// adjacent free seats there is.
///
/// `taken` says what is held, sold or blocked (the rule is judged on it);
/// `unpickable` adds seats that are free but not this customer's to pick
/// (ones they gave up a moment ago).
pub fn best_block(
    layout: &Layout,
    taken: &dyn Fn(usize) -> bool,
    unpickable: &dyn Fn(usize) -> bool,
    count: usize,
    class: Option<&str>,
) -> Result<Vec<usize>, usize> {
    let not_pickable = |s: usize| taken(s) || unpickable(s);
    // Rows are few (26 at most): the rounding cannot lose anything.
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    let ideal = (0.6 * (layout.rows().saturating_sub(1)) as f64).round();
    let mut best: Option<(Rank, Vec<usize>)> = None;
    for window in windows(layout, &not_pickable, count, class) {
        // What `strands` finds, `strands_at_all` finds too: the rule's
        // exception is only looked at for a block that leaves a seat alone.
        let leaves_one = !strands_at_all(layout, taken, Change::Take(&window)).is_empty();
        if leaves_one && !strands(layout, taken, Change::Take(&window)).is_empty() {
            continue;
        }
        let Some(first) = window.first().and_then(|&s| layout.seat(s)) else {
            continue;
        };
        let Some(row_centre) = layout.row_centre(first.grid_row) else {
            continue;
        };
        let Some((row, centre)) = centre_of(layout, &window) else {
            continue;
        };
        let score = 2.0 * (row - ideal).abs() + (centre - row_centre).abs();
        let key = (leaves_one, score, first.grid_row, first.grid_col);
        let better = best.as_ref().is_none_or(|(k, _)| key < *k);
        if better {
            best = Some((key, window));
        }
    }
    best.map(|(_, window)| window)
        .ok_or_else(|| largest_block(layout, &not_pickable, class))
}

/// How a block ranks: whether it leaves a seat alone (only when its run can
/// be sold no other way), its score, then its row and column for a stable
/// choice between equals.
type Rank = (bool, f64, i64, i64);

/// The most adjacent free seats of `class` (or of the classes offered
/// without one) anywhere.
fn largest_block(layout: &Layout, taken: &dyn Fn(usize) -> bool, class: Option<&str>) -> usize {
    let mut largest = 0;
    for block in layout.blocks() {
        let mut run = 0;
        for &seat in block {
            if !taken(seat) && offered(layout, seat, class) {
                run += 1;
                largest = largest.max(run);
            } else {
                run = 0;
            }
        }
    }
    largest
}

fn offered(layout: &Layout, seat: usize, class: Option<&str>) -> bool {
    let Some(def) = layout.seat(seat) else {
        return false;
    };
    match class {
        Some(class) => def.class == class,
        None => !def.is_couple() && def.class != super::WHEELCHAIR,
    }
}

/// Every run of `count` adjacent free seats of the wanted class.
fn windows<'a>(
    layout: &'a Layout,
    taken: &'a dyn Fn(usize) -> bool,
    count: usize,
    class: Option<&'a str>,
) -> impl Iterator<Item = Vec<usize>> + 'a {
    layout.blocks().iter().flat_map(move |block| {
        let size = count.max(1);
        block
            .windows(size)
            .filter(move |window| {
                count > 0
                    && window
                        .iter()
                        .all(|&s| !taken(s) && offered(layout, s, class))
            })
            .map(<[usize]>::to_vec)
            .collect::<Vec<_>>()
    })
}

/// The mean grid row of `seats` and the centre of the columns they cover.
fn centre_of(layout: &Layout, seats: &[usize]) -> Option<(f64, f64)> {
    let defs: Vec<_> = seats.iter().filter_map(|&s| layout.seat(s)).collect();
    let left = defs.iter().map(|s| s.grid_col).min()?;
    let right = defs.iter().map(|s| s.grid_col + s.width()).max()?;
    let rows: i64 = defs.iter().map(|s| s.grid_row).sum();
    // Layouts are small (2,000 seats, 100 columns): exact in f64.
    #[allow(clippy::cast_precision_loss)]
    Some((rows as f64 / defs.len() as f64, (left + right) as f64 / 2.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::seats::book::fixtures::layout;

    fn ids(layout: &Layout, seats: &[&str]) -> Vec<usize> {
        seats.iter().map(|s| layout.position(s).unwrap()).collect()
    }

    fn names(layout: &Layout, seats: &[usize]) -> Vec<String> {
        seats
            .iter()
            .map(|&s| layout.seat_id(s).to_string())
            .collect()
    }

    /// What taking `seats` strands, with `taken` already taken.
    fn take(rows: &[&str], taken: &[&str], seats: &[&str]) -> Vec<String> {
        let layout = layout(rows);
        let taken = ids(&layout, taken);
        let seats = ids(&layout, seats);
        names(
            &layout,
            &strands(&layout, &|s| taken.contains(&s), Change::Take(&seats)),
        )
    }

    #[test]
    fn the_rule_in_a_table_of_rows() {
        // (row, taken before, seats taken now, seats left alone)
        type Case<'a> = (&'a str, &'a [&'a str], &'a [&'a str], &'a [&'a str]);
        let cases: &[Case] = &[
            // A free seat between two held ones, in the middle of a row.
            ("RRRRRRRR", &["A3"], &["A5"], &["A4"]),
            // Leaving one seat between a hold and the row's end.
            ("RRRRRRRR", &[], &["A2"], &["A1"]),
            ("RRRRRRRR", &[], &["A7", "A6"], &["A8"]),
            // Next to an aisle: the aisle is a wall.
            ("RRRR_RRRR", &[], &["A3"], &["A4"]),
            ("RRR_RRRR", &[], &["A5"], &["A4"]),
            ("RRRR_RRRR", &[], &["A2", "A3"], &["A1", "A4"]),
            // Two free seats left: fine.
            ("RRRRRRRR", &["A4"], &["A1"], &[]),
            ("RRRRRRRR", &[], &["A3", "A4"], &[]),
            // A blocked or sold seat counts as taken.
            ("RRRRRRRR", &["A1"], &["A3"], &["A2"]),
            // A seat alone already is not this change's doing.
            ("RRRRRRRR", &["A1", "A3"], &["A7", "A8"], &[]),
            // The last seats of a run can only be sold leaving one: allowed.
            ("RRRRRRRR", &["A4"], &["A1", "A2"], &[]),
            ("RRR_RRRR", &[], &["A1", "A2"], &[]),
            // Couple seats are exempt: never the seat left alone...
            ("CCCC", &["A1"], &["A3"], &[]),
            ("RRCC", &["A4"], &["A1", "A2"], &[]),
            // ...but a neighbour like any seat: free here, so A3 is not alone.
            ("RRRCC", &[], &["A2"], &["A1"]),
            ("RRCC", &[], &["A2"], &["A1"]),
            // And taken here, so A2 would be.
            ("RRRC", &["A4"], &["A2"], &["A1", "A3"]),
        ];
        for (row, taken, seats, alone) in cases {
            assert_eq!(
                take(&[row], taken, seats),
                alone.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                "row {row}, taken {taken:?}, taking {seats:?}"
            );
        }
    }

    #[test]
    fn freeing_a_seat_in_the_middle_of_a_held_block_leaves_it_alone_and_an_end_one_does_not() {
        let layout = layout(&["RRRRRRRR"]);
        let held = ids(&layout, &["A3", "A4", "A5"]);
        let taken = |s: usize| held.contains(&s);
        let middle = layout.position("A4").unwrap();
        assert_eq!(strands(&layout, &taken, Change::Free(middle)), vec![middle]);
        let end = layout.position("A5").unwrap();
        assert!(strands(&layout, &taken, Change::Free(end)).is_empty());
    }

    #[test]
    fn alternatives_keep_the_rule_and_come_nearest_first() {
        let layout = layout(&["RRRRRRRR", "RRRRRRRR"]);
        let taken = ids(&layout, &["A3"]);
        let wanted = ids(&layout, &["A5"]);
        let found = alternatives(&layout, &|s| taken.contains(&s), 1, "regular", &wanted, 3);
        assert_eq!(found.len(), 3);
        for set in &found {
            assert!(strands(&layout, &|s| taken.contains(&s), Change::Take(set)).is_empty());
        }
        let first = names(&layout, &found[0]);
        assert!(first == ["A4"] || first == ["A6"], "{first:?}");
    }

    #[test]
    fn the_best_block_of_an_empty_house_is_in_the_centre_of_the_ideal_row() {
        // Ten rows: the ideal row is round(0.6 × 9) = 5, row F.
        let rows = ["RRRRRRRRRR"; 10];
        let layout = layout(&rows);
        let best = best_block(&layout, &|_| false, &|_| false, 2, None).unwrap();
        assert_eq!(names(&layout, &best), ["F5", "F6"]);
        let four = best_block(&layout, &|_| false, &|_| false, 4, None).unwrap();
        assert_eq!(names(&layout, &four), ["F4", "F5", "F6", "F7"]);
    }

    #[test]
    fn the_best_block_goes_around_taken_seats_and_never_strands_one_when_it_can_help_it() {
        let rows = ["RRRRRRRRRR"; 10];
        let layout = layout(&rows);
        let taken = ids(&layout, &["F5", "F6"]);
        let is_taken = |s: usize| taken.contains(&s);
        let best = best_block(&layout, &is_taken, &|_| false, 2, None).unwrap();
        assert!(strands_at_all(&layout, &is_taken, Change::Take(&best)).is_empty());
        assert!(best.iter().all(|s| !taken.contains(s)));
    }

    #[test]
    fn a_seat_the_customer_may_not_pick_is_still_free_for_the_rule() {
        // A1 was given up by this customer a moment ago: free, not theirs.
        let layout = layout(&["RRRR"]);
        let cooling = ids(&layout, &["A1"]);
        let best = best_block(&layout, &|_| false, &|s| cooling.contains(&s), 2, None).unwrap();
        assert_eq!(
            names(&layout, &best),
            ["A3", "A4"],
            "A2 + A3 would leave A1 and A4 alone"
        );
    }

    #[test]
    fn too_fragmented_a_house_answers_its_largest_block() {
        let layout = layout(&["RR_R_RRR"]);
        let taken = ids(&layout, &["A5"]);
        assert_eq!(
            best_block(&layout, &|s| taken.contains(&s), &|_| false, 3, None),
            Err(2)
        );
    }

    #[test]
    fn a_couple_seat_counts_as_one_and_is_offered_only_when_asked_for() {
        let layout = layout(&["CCCC", "RRRR"]);
        let couple = best_block(&layout, &|_| false, &|_| false, 1, Some("couple")).unwrap();
        assert_eq!(couple.len(), 1);
        assert!(layout.seat(couple[0]).unwrap().is_couple());
        let any = best_block(&layout, &|_| false, &|_| false, 2, None).unwrap();
        assert!(any.iter().all(|&s| !layout.seat(s).unwrap().is_couple()));
    }
}
