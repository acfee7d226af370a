//! When to prune the maps of recent activity kept per client or customer
//! (sign-ups and sign-in attempts per address, holds per customer), so that
//! they stay bounded without costing a scan on every request.
//!
//! A map is pruned of its stale keys once it has doubled since the last
//! pruning (and holds at least [`FLOOR`] keys): a map full of fresh keys is
//! then scanned once per doubling, not at every call, which keeps the cost
//! per call constant on average. A map that reaches [`CAP`] keys even so
//! takes no new key until its keys go stale: its memory has a bound. A full
//! map is pruned again at most once a second, to find the keys gone stale.

/// Keys a map may hold before it is pruned at all.
pub const FLOOR: usize = 10_000;

/// Keys a map may hold at most (a few tens of megabytes).
pub const CAP: usize = 200_000;

/// How often a full map is pruned at most (milliseconds).
const FULL_PRUNED_EVERY_MS: i64 = 1000;

#[derive(Debug, Clone)]
pub struct Pruning {
    next_at: usize,
    last_pruned: i64,
}

impl Default for Pruning {
    fn default() -> Pruning {
        Pruning {
            next_at: FLOOR,
            last_pruned: i64::MIN,
        }
    }
}

impl Pruning {
    /// Whether a map of `len` keys is due for pruning at `now` (milliseconds).
    pub fn due(&self, len: usize, now: i64) -> bool {
        len >= self.next_at
            || (Pruning::full(len) && now >= self.last_pruned.saturating_add(FULL_PRUNED_EVERY_MS))
    }

    /// Records a pruning at `now` that left `len` keys.
    pub fn pruned(&mut self, len: usize, now: i64) {
        self.next_at = len.saturating_mul(2).max(FLOOR);
        self.last_pruned = now;
    }

    /// Whether a map of `len` keys may take no new key.
    pub fn full(len: usize) -> bool {
        len >= CAP
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_map_of_fresh_keys_is_pruned_once_per_doubling_not_at_every_call() {
        let mut pruning = Pruning::default();
        let mut prunings = 0;
        // Every key stays fresh: nothing is ever removed.
        for len in 0..100_000 {
            if pruning.due(len, 0) {
                prunings += 1;
                pruning.pruned(len, 0);
            }
        }
        // At 10,000, 20,000, 40,000 and 80,000 keys.
        assert_eq!(prunings, 4);
    }

    #[test]
    fn a_map_that_pruned_down_is_pruned_again_from_the_floor() {
        let mut pruning = Pruning::default();
        pruning.pruned(60_000, 0);
        assert!(!pruning.due(119_999, 0));
        assert!(pruning.due(120_000, 0));
        pruning.pruned(10, 0);
        assert!(pruning.due(FLOOR, 0));
        assert!(!pruning.due(FLOOR - 1, 0));
        assert!(Pruning::full(CAP));
        assert!(!Pruning::full(CAP - 1));
    }

    #[test]
    fn a_full_map_is_pruned_again_at_most_once_a_second() {
        let mut pruning = Pruning::default();
        pruning.pruned(CAP, 5_000);
        assert!(!pruning.due(CAP, 5_999));
        assert!(pruning.due(CAP, 6_000));
    }
}
