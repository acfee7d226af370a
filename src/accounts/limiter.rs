//! Sign-in attempts counted per (account, client address) and per client
//! address, in a sliding window. An attempt counts as a failure the moment it
//! starts (before its password hash), so a parallel burst cannot slip past
//! the check while the hashes run; a success takes its own count back.
//!
//! An account is never locked as a whole: an address that has not failed
//! still signs in, so the owner on their own phone gets in while someone
//! hammers the account from elsewhere. Failures on one account from many
//! addresses (credential stuffing) are reported instead, once per window,
//! for the admins to see.
//!
//! Memory only: a restart forgets, which is acceptable for a throttle (the
//! Argon2 cost and the bounded hashing still bound guessing speed).

use std::{
    collections::{HashMap, VecDeque},
    sync::Mutex,
    time::Duration,
};

use chrono::{DateTime, Utc};

use crate::error::{AppError, AppResult};

/// Recent attempts kept per account, to tell how many addresses fail on it.
const PER_ACCOUNT_KEPT: usize = 1024;

pub struct LoginLimiter {
    per_account_and_client: u32,
    per_client: u32,
    /// Distinct addresses failing on one account within the window that make
    /// it look like credential stuffing.
    stuffing_addresses: usize,
    window_ms: i64,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// `pair:<email> <client>` and `client:<client>` → attempt times.
    attempts: HashMap<String, VecDeque<i64>>,
    /// Per e-mail: the attempts (time, client) that failed or are running.
    per_account: HashMap<String, VecDeque<(i64, String)>>,
    /// Per e-mail: when credential stuffing was last reported.
    reported: HashMap<String, i64>,
    pruning: crate::pruning::Pruning,
}

/// A sign-in attempt in progress, counted as a failure until it succeeds.
#[derive(Debug)]
pub struct Attempt {
    email: String,
    client: String,
    at: i64,
}

/// What a failed attempt made of the account's failures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failed {
    Counted,
    /// Failures from this many addresses within the window: report it (once
    /// per window and account).
    LooksLikeStuffing {
        addresses: usize,
    },
}

impl LoginLimiter {
    pub fn new(
        per_account_and_client: u32,
        per_client: u32,
        stuffing_addresses: usize,
        window: Duration,
    ) -> LoginLimiter {
        LoginLimiter {
            per_account_and_client,
            per_client,
            stuffing_addresses,
            window_ms: crate::clock::millis(window),
            state: Mutex::new(State::default()),
        }
    }

    /// Starts an attempt: 429 when this address failed too often on this
    /// account, or at all, lately; otherwise it counts as a failure now. A
    /// poisoned count fails closed: every sign-in is refused as throttled.
    pub fn begin(&self, email: &str, client: &str, now: DateTime<Utc>) -> AppResult<Attempt> {
        let now = now.timestamp_millis();
        let Ok(mut state) = self.state.lock() else {
            tracing::error!("the login limiter's lock is poisoned; refusing logins");
            return Err(AppError::TooManyAttempts {
                retry_after_secs: u64::try_from(self.window_ms / 1000).unwrap_or(1).max(1),
            });
        };
        let horizon = now - self.window_ms;
        let keys_held = state.attempts.len().max(state.per_account.len());
        if state.pruning.due(keys_held) {
            state
                .attempts
                .retain(|_, times| times.back().is_some_and(|t| *t > horizon));
            state
                .per_account
                .retain(|_, times| times.back().is_some_and(|(t, _)| *t > horizon));
            state.reported.retain(|_, at| *at > horizon);
            if crate::pruning::cap(&mut state.attempts) {
                tracing::warn!("sign-in counts from very many addresses: half of them dropped");
            }
            crate::pruning::cap(&mut state.per_account);
            let left = state.attempts.len().max(state.per_account.len());
            state.pruning.pruned(left);
        }
        let keys = [
            (pair_key(email, client), self.per_account_and_client),
            (client_key(client), self.per_client),
        ];
        for (key, limit) in &keys {
            if let Some(times) = state.attempts.get_mut(key) {
                while times.front().is_some_and(|t| *t <= horizon) {
                    times.pop_front();
                }
                if times.len() as u64 >= u64::from(*limit)
                    && let Some(oldest) = times.front()
                {
                    let wait_ms = (oldest + self.window_ms - now).max(1000);
                    return Err(AppError::TooManyAttempts {
                        retry_after_secs: u64::try_from(wait_ms / 1000).unwrap_or(1),
                    });
                }
            }
        }
        for (key, _) in keys {
            state.attempts.entry(key).or_default().push_back(now);
        }
        let account = state.per_account.entry(email.to_string()).or_default();
        while account.front().is_some_and(|(t, _)| *t <= horizon) {
            account.pop_front();
        }
        if account.len() >= PER_ACCOUNT_KEPT {
            // Only whether many addresses fail is asked of these: the oldest
            // go, so a flood on one account costs the same at every attempt.
            account.pop_front();
        }
        account.push_back((now, client.to_string()));
        Ok(Attempt {
            email: email.to_string(),
            client: client.to_string(),
            at: now,
        })
    }

    /// The attempt signed in: its own count is taken back, and this address's
    /// earlier failures on the account are forgotten.
    pub fn succeeded(&self, attempt: Attempt) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        state
            .attempts
            .remove(&pair_key(&attempt.email, &attempt.client));
        if let Some(times) = state.attempts.get_mut(&client_key(&attempt.client))
            && let Some(at) = times.iter().rposition(|t| *t == attempt.at)
        {
            times.remove(at);
        }
        if let Some(account) = state.per_account.get_mut(&attempt.email) {
            account.retain(|(_, client)| client != &attempt.client);
        }
    }

    /// The attempt could not be judged (the server was busy or its database
    /// away): it is taken back entirely, as if it never started.
    pub fn cancel(&self, attempt: Attempt) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        for key in [
            pair_key(&attempt.email, &attempt.client),
            client_key(&attempt.client),
        ] {
            if let Some(times) = state.attempts.get_mut(&key)
                && let Some(at) = times.iter().rposition(|t| *t == attempt.at)
            {
                times.remove(at);
            }
        }
        if let Some(account) = state.per_account.get_mut(&attempt.email)
            && let Some(at) = account
                .iter()
                .rposition(|(t, c)| *t == attempt.at && c == &attempt.client)
        {
            account.remove(at);
        }
    }

    /// The attempt failed (it is counted already): whether the account's
    /// failures now come from so many addresses that the admins should hear.
    pub fn failed(&self, attempt: &Attempt) -> Failed {
        let Ok(mut state) = self.state.lock() else {
            return Failed::Counted;
        };
        let addresses = state
            .per_account
            .get(&attempt.email)
            .map(|times| {
                let mut clients: Vec<&str> = times.iter().map(|(_, c)| c.as_str()).collect();
                clients.sort_unstable();
                clients.dedup();
                clients.len()
            })
            .unwrap_or(0);
        let horizon = attempt.at - self.window_ms;
        let reported_lately = state
            .reported
            .get(&attempt.email)
            .is_some_and(|at| *at > horizon);
        if self.stuffing_addresses > 0 && addresses >= self.stuffing_addresses && !reported_lately {
            state.reported.insert(attempt.email.clone(), attempt.at);
            return Failed::LooksLikeStuffing { addresses };
        }
        Failed::Counted
    }
}

fn pair_key(email: &str, client: &str) -> String {
    format!("pair:{email} {client}")
}

fn client_key(client: &str) -> String {
    format!("client:{client}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter() -> LoginLimiter {
        LoginLimiter::new(3, 10, 4, Duration::from_secs(60))
    }

    #[test]
    fn the_counts_stay_bounded_under_sign_ins_from_ever_new_addresses() {
        let limiter = limiter();
        let start = Utc::now();
        // Each attempt adds two address keys: the cap is passed halfway, and
        // nobody new is refused for it.
        for n in 0..crate::pruning::CAP {
            let attempt = limiter
                .begin("a@b.c", &format!("ip{n}"), start)
                .expect("a new address is never refused for the counts' size");
            limiter.failed(&attempt);
        }
        let state = limiter.state.lock().expect("state");
        assert!(state.attempts.len() <= crate::pruning::CAP + 2);
        assert!(state.per_account["a@b.c"].len() <= PER_ACCOUNT_KEPT);
        drop(state);
        // The owner, from an address that has not failed, still signs in.
        assert!(limiter.begin("a@b.c", "the owner's phone", start).is_ok());
    }

    #[test]
    fn an_address_is_throttled_on_an_account_after_repeated_failures_until_the_window_passes() {
        let limiter = limiter();
        let start = Utc::now();
        for _ in 0..3 {
            let attempt = limiter.begin("a@b.c", "ip1", start).expect("allowed");
            assert_eq!(limiter.failed(&attempt), Failed::Counted);
        }
        assert_eq!(
            limiter.begin("a@b.c", "ip1", start).unwrap_err().code(),
            "too_many_attempts"
        );
        let owner = limiter
            .begin("a@b.c", "ip2", start)
            .expect("another address is not locked out");
        limiter.succeeded(owner);
        assert!(limiter.begin("other@b.c", "ip1", start).is_ok());
        let later = start + chrono::Duration::seconds(61);
        assert!(limiter.begin("a@b.c", "ip1", later).is_ok());
    }

    #[test]
    fn attempts_count_when_they_start_so_a_parallel_burst_is_cut_at_the_limit() {
        let limiter = limiter();
        let now = Utc::now();
        // Nothing has failed yet (the hashes are still running).
        let started: Vec<_> = (0..50)
            .filter_map(|_| limiter.begin("a@b.c", "ip1", now).ok())
            .collect();
        assert_eq!(started.len(), 3);
    }

    #[test]
    fn an_attempt_that_could_not_be_judged_is_taken_back() {
        let limiter = limiter();
        let now = Utc::now();
        for _ in 0..10 {
            let attempt = limiter.begin("a@b.c", "ip1", now).expect("allowed");
            limiter.cancel(attempt);
        }
        assert!(limiter.begin("a@b.c", "ip1", now).is_ok());
    }

    #[test]
    fn a_success_takes_its_count_back() {
        let limiter = limiter();
        let now = Utc::now();
        for _ in 0..5 {
            let attempt = limiter.begin("a@b.c", "ip1", now).expect("allowed");
            limiter.succeeded(attempt);
        }
        assert!(limiter.begin("a@b.c", "ip1", now).is_ok());
    }

    #[test]
    fn failures_on_one_account_from_many_addresses_are_reported_once_per_window() {
        let limiter = limiter();
        let now = Utc::now();
        let mut reports = Vec::new();
        for ip in ["ip1", "ip2", "ip3", "ip4", "ip5", "ip6"] {
            let attempt = limiter.begin("a@b.c", ip, now).expect("allowed");
            reports.push(limiter.failed(&attempt));
        }
        assert_eq!(
            reports,
            [
                Failed::Counted,
                Failed::Counted,
                Failed::Counted,
                Failed::LooksLikeStuffing { addresses: 4 },
                Failed::Counted,
                Failed::Counted
            ]
        );
    }

    #[test]
    fn a_poisoned_limiter_refuses_every_login() {
        let limiter = limiter();
        let poison = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _held = limiter.state.lock();
            panic!("poison the lock");
        }));
        assert!(poison.is_err());
        let refused = limiter.begin("a@b.c", "ip", Utc::now());
        assert_eq!(
            refused.map(|_| ()).map_err(|e| e.code()),
            Err("too_many_attempts"),
            "fails closed"
        );
    }
}
