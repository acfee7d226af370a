//! Per-customer limits against seat hoarding (`booking.max_seats_per_customer`,
//! `booking.max_holds_per_customer_per_hour`): one customer cannot hold seats
//! in every showtime at once, nor start holds without end. (Re-holding a seat
//! one released is the showtime actor's rule: `rehold_cooldown`.)
//!
//! The checks and the hold they allow run under the customer's own lock, so
//! two tabs of one customer cannot both pass the check; other customers never
//! wait for it.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
};

use rusqlite::params;

use crate::{
    config::BookingSettings,
    error::{AppError, AppResult},
    ids::UserId,
    store::Store,
};

const HOUR_MS: i64 = 3_600_000;
/// What one customer started lately: the start times of their holds (at most
/// `max_holds_per_hour` of them, within the last hour).
type Recent = Arc<tokio::sync::Mutex<VecDeque<i64>>>;

#[derive(Clone)]
pub struct HoldLimits {
    max_seats: usize,
    max_holds_per_hour: usize,
    customers: Arc<Mutex<Customers>>,
}

/// The customers with recent holds; pruned as `crate::pruning` says. Keyed
/// by signed-in customers only, whose number sign-ups already bound.
#[derive(Default)]
struct Customers {
    recent: HashMap<UserId, Recent>,
    pruning: crate::pruning::Pruning,
}

/// A customer's turn: held while their hold is checked and made.
pub struct Turn {
    recent: tokio::sync::OwnedMutexGuard<VecDeque<i64>>,
    counts_as_new_hold: bool,
    now: i64,
}

impl Turn {
    /// The hold went through: it counts in the hour's holds.
    pub fn held(mut self) {
        if self.counts_as_new_hold {
            self.recent.push_back(self.now);
        }
    }
}

impl HoldLimits {
    pub fn new(settings: &BookingSettings) -> HoldLimits {
        HoldLimits {
            max_seats: settings.max_seats_per_customer,
            max_holds_per_hour: settings.max_holds_per_customer_per_hour,
            customers: Arc::new(Mutex::new(Customers::default())),
        }
    }

    /// Waits for `user`'s turn and checks that `adding` more seats (a new
    /// hold when `new_hold`) stay within the limits: 409 `hold_limit`, 429
    /// `hold_rate`. `None` when both limits are off.
    pub async fn turn(
        &self,
        store: &Store,
        user: UserId,
        adding: usize,
        new_hold: bool,
        now: i64,
    ) -> AppResult<Option<Turn>> {
        if self.max_seats == 0 && self.max_holds_per_hour == 0 {
            return Ok(None);
        }
        let recent = self.recent_of(user, now)?;
        let mut recent = recent.lock_owned().await;
        while recent.front().is_some_and(|&at| at <= now - HOUR_MS) {
            recent.pop_front();
        }
        if new_hold
            && self.max_holds_per_hour > 0
            && recent.len() >= self.max_holds_per_hour
            && let Some(&oldest) = recent.front()
        {
            let wait_ms = (oldest + HOUR_MS - now).max(1000);
            return Err(AppError::HoldRate {
                retry_after_secs: u64::try_from((wait_ms + 999) / 1000).unwrap_or(1),
            });
        }
        if self.max_seats > 0 {
            let held: i64 = store
                .read(move |conn| {
                    Ok(conn
                        .prepare_cached(query!("bookings/seats_held_by_user"))?
                        .query_row(params![user, now], |r| r.get(0))?)
                })
                .await?;
            let held = usize::try_from(held).unwrap_or(usize::MAX);
            if held.saturating_add(adding) > self.max_seats {
                return Err(AppError::conflict(
                    "hold_limit",
                    format!(
                        "you hold {held} seats already; at most {} at once across all showtimes",
                        self.max_seats
                    ),
                ));
            }
        }
        Ok(Some(Turn {
            recent,
            counts_as_new_hold: new_hold && self.max_holds_per_hour > 0,
            now,
        }))
    }

    fn recent_of(&self, user: UserId, now: i64) -> AppResult<Recent> {
        let mut customers = self
            .customers
            .lock()
            .map_err(|_| AppError::Internal("the hold limits are poisoned".into()))?;
        let Customers { recent, pruning } = &mut *customers;
        if pruning.due(recent.len()) {
            // Nobody waiting on them and nothing within the hour: forgotten.
            let hour_ago = now - HOUR_MS;
            recent.retain(|_, times| {
                Arc::strong_count(times) > 1
                    || times
                        .try_lock()
                        .map_or(true, |r| r.back().is_some_and(|&at| at > hour_ago))
            });
            pruning.pruned(recent.len());
        }
        Ok(recent.entry(user).or_default().clone())
    }
}
