//! When to prune the maps of recent activity kept per client or customer
//! (sign-ups and sign-in attempts per address, holds per customer), so that
//! they stay bounded without costing a scan on every request.
//!
//! A map is pruned of its stale keys once it has doubled since the last
//! pruning (and holds at least [`FLOOR`] keys): a map full of fresh keys is
//! then scanned once per doubling, not at every call, which keeps the cost
//! per call constant on average. A map that reaches [`CAP`] keys of fresh
//! activity even so (a flood from very many addresses) drops half of them,
//! chosen by the map's random order ([`evict_half`]): its memory has a bound,
//! and the flood's own keys, being most of them, are most of what goes.
//! Refusing new keys instead would shut out every newcomer, the real owner
//! of an account on a new phone included.

use std::collections::HashMap;

/// Keys a map may hold before it is pruned at all.
pub const FLOOR: usize = 10_000;

/// Keys a map may hold at most (a few tens of megabytes).
pub const CAP: usize = 200_000;

#[derive(Debug, Clone)]
pub struct Pruning {
    next_at: usize,
}

impl Default for Pruning {
    fn default() -> Pruning {
        Pruning { next_at: FLOOR }
    }
}

impl Pruning {
    /// Whether a map of `len` keys is due for pruning.
    pub fn due(&self, len: usize) -> bool {
        len >= self.next_at
    }

    /// Records a pruning that left `len` keys.
    pub fn pruned(&mut self, len: usize) {
        self.next_at = len.saturating_mul(2).clamp(FLOOR, CAP);
    }

    /// Whether a map of `len` keys, just pruned, must drop half of them.
    fn full(len: usize) -> bool {
        len >= CAP
    }
}

/// After a pruning: a map still at [`CAP`] (every key fresh) drops half of
/// its keys. Answers whether it did, for the caller to say so.
pub fn cap<K, V>(map: &mut HashMap<K, V>) -> bool {
    if !Pruning::full(map.len()) {
        return false;
    }
    evict_half(map);
    true
}

/// Drops every other key, in the map's own (random) order.
fn evict_half<K, V>(map: &mut HashMap<K, V>) {
    let mut keep = false;
    map.retain(|_, _| {
        keep = !keep;
        keep
    });
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
            if pruning.due(len) {
                prunings += 1;
                pruning.pruned(len);
            }
        }
        // At 10,000, 20,000, 40,000 and 80,000 keys.
        assert_eq!(prunings, 4);
    }

    #[test]
    fn a_map_that_pruned_down_is_pruned_again_from_the_floor() {
        let mut pruning = Pruning::default();
        pruning.pruned(60_000);
        assert!(!pruning.due(119_999));
        assert!(pruning.due(120_000));
        pruning.pruned(10);
        assert!(pruning.due(FLOOR));
        assert!(!pruning.due(FLOOR - 1));
    }

    #[test]
    fn a_map_at_the_cap_is_pruned_at_the_cap_and_halved_when_all_is_fresh() {
        let mut pruning = Pruning::default();
        pruning.pruned(CAP);
        assert!(pruning.due(CAP));
        assert!(Pruning::full(CAP));
        assert!(!Pruning::full(CAP - 1));
        let mut map: HashMap<usize, ()> = (0..1000).map(|k| (k, ())).collect();
        evict_half(&mut map);
        assert_eq!(map.len(), 500);
    }
}
