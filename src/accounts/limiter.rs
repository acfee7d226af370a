//! Failed-login counting per e-mail and per client address, in a sliding
//! window. Memory only: a restart forgets, which is acceptable for a
//! throttle (the Argon2 cost still bounds guessing speed).

use std::{
    collections::{HashMap, VecDeque},
    sync::Mutex,
    time::Duration,
};

use chrono::{DateTime, Utc};

use crate::error::{AppError, AppResult};

/// Keys tracked before stale ones are swept out.
const SWEEP_ABOVE: usize = 10_000;

pub struct LoginLimiter {
    per_email: u32,
    per_client: u32,
    window_ms: i64,
    failures: Mutex<HashMap<String, VecDeque<i64>>>,
}

impl LoginLimiter {
    pub fn new(per_email: u32, per_client: u32, window: Duration) -> LoginLimiter {
        LoginLimiter {
            per_email,
            per_client,
            window_ms: crate::clock::millis(window),
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// 429 when either the e-mail or the client failed too often lately.
    /// A poisoned count fails closed: every login is refused as throttled
    /// rather than let through uncounted.
    pub fn check(&self, email: &str, client: &str, now: DateTime<Utc>) -> AppResult<()> {
        let now = now.timestamp_millis();
        let Ok(mut failures) = self.failures.lock() else {
            tracing::error!("the login limiter's lock is poisoned; refusing logins");
            return Err(AppError::TooManyAttempts {
                retry_after_secs: u64::try_from(self.window_ms / 1000).unwrap_or(1).max(1),
            });
        };
        for (key, limit) in [
            (email_key(email), self.per_email),
            (client_key(client), self.per_client),
        ] {
            if let Some(times) = failures.get_mut(&key) {
                while times.front().is_some_and(|t| *t <= now - self.window_ms) {
                    times.pop_front();
                }
                if times.len() as u64 >= u64::from(limit)
                    && let Some(oldest) = times.front()
                {
                    let wait_ms = (oldest + self.window_ms - now).max(1000);
                    return Err(AppError::TooManyAttempts {
                        retry_after_secs: u64::try_from(wait_ms / 1000).unwrap_or(1),
                    });
                }
            }
        }
        Ok(())
    }

    pub fn record_failure(&self, email: &str, client: &str, now: DateTime<Utc>) {
        let now = now.timestamp_millis();
        // Poisoned: nothing to record, and `check` refuses every login.
        let Ok(mut failures) = self.failures.lock() else {
            return;
        };
        if failures.len() > SWEEP_ABOVE {
            let horizon = now - self.window_ms;
            failures.retain(|_, times| times.back().is_some_and(|t| *t > horizon));
        }
        failures.entry(email_key(email)).or_default().push_back(now);
        failures
            .entry(client_key(client))
            .or_default()
            .push_back(now);
    }

    /// A successful login clears the e-mail's failures (not the client's).
    /// Poisoned: nothing to clear (`check` refuses every login).
    pub fn forget(&self, email: &str) {
        if let Ok(mut failures) = self.failures.lock() {
            failures.remove(&email_key(email));
        }
    }
}

fn email_key(email: &str) -> String {
    format!("email:{email}")
}

fn client_key(client: &str) -> String {
    format!("client:{client}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_is_throttled_after_repeated_failures_until_the_window_passes() {
        let limiter = LoginLimiter::new(3, 100, Duration::from_secs(60));
        let start = Utc::now();
        for _ in 0..3 {
            assert!(limiter.check("a@b.c", "ip", start).is_ok());
            limiter.record_failure("a@b.c", "ip", start);
        }
        assert_eq!(
            limiter.check("a@b.c", "ip", start).unwrap_err().code(),
            "too_many_attempts"
        );
        assert!(
            limiter.check("other@b.c", "ip", start).is_ok(),
            "others are not locked out"
        );
        let later = start + chrono::Duration::seconds(61);
        assert!(limiter.check("a@b.c", "ip", later).is_ok());
    }

    #[test]
    fn a_poisoned_limiter_refuses_every_login() {
        let limiter = LoginLimiter::new(3, 100, Duration::from_secs(60));
        let poison = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _held = limiter.failures.lock();
            panic!("poison the lock");
        }));
        assert!(poison.is_err());
        let refused = limiter.check("a@b.c", "ip", Utc::now());
        assert_eq!(
            refused.map_err(|e| e.code()),
            Err("too_many_attempts"),
            "fails closed"
        );
    }
}
