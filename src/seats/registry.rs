//! Finds the actor of a showtime, starting it from the database on first use.
//! All showtime actors run on one dedicated arbiter (thread): their work is
//! small and in memory, and it keeps them off the HTTP workers.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering},
    },
};

use actix::{Actor, Addr, Arbiter, ArbiterHandle};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use tokio::sync::OnceCell;

use super::{
    actor::{CancelShowtime, ExpireHolds, ShowtimeActor, StopIfIdle},
    book::{Cancellation, Rules},
    persist::{self, LayoutCache},
    types::ShowtimeId,
};
use crate::{
    clock::{SharedClock, to_millis},
    error::{AppError, AppResult},
    store::{Store, lock_for_shutdown},
};

/// A showtime's actor, once started; shared by the requests that wait for it.
type Slot = Arc<SlotState>;

#[derive(Default)]
struct SlotState {
    actor: OnceCell<Addr<ShowtimeActor>>,
    /// Requests holding the actor's address right now: an idle actor stops
    /// only when none does, or one of them would find it gone.
    users: AtomicUsize,
    /// When a request last reached for the actor (milliseconds).
    last_used: AtomicI64,
}

/// A showtime's actor, lent to one request: while it is held the actor does
/// not stop for being idle. Use it like the `Addr` it derefs to.
pub struct ActorRef {
    addr: Addr<ShowtimeActor>,
    _use: InUse,
}

/// One request counted in its slot's `users`, from before the actor is
/// started until it is done: dropping it (also a request dropped while the
/// showtime loads) takes the count back.
struct InUse(Slot);

impl Drop for InUse {
    fn drop(&mut self) {
        self.0.users.fetch_sub(1, Ordering::AcqRel);
    }
}

impl std::ops::Deref for ActorRef {
    type Target = Addr<ShowtimeActor>;

    fn deref(&self) -> &Addr<ShowtimeActor> {
        &self.addr
    }
}

/// Showtimes loaded at once during recovery.
const RECOVERY_CONCURRENCY: usize = 8;

#[derive(Clone)]
pub struct ShowtimeRegistry {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    rules: Rules,
    clock: SharedClock,
    arbiter: Mutex<Option<Arbiter>>,
    handle: ArbiterHandle,
    actors: Mutex<HashMap<ShowtimeId, Slot>>,
    layouts: Arc<LayoutCache>,
    loads: AtomicU64,
}

impl ShowtimeRegistry {
    /// Must be called inside a running actix `System`.
    pub fn new(store: Store, rules: Rules, clock: SharedClock) -> ShowtimeRegistry {
        let arbiter = Arbiter::new();
        let handle = arbiter.handle();
        ShowtimeRegistry {
            inner: Arc::new(Inner {
                store,
                rules,
                clock,
                arbiter: Mutex::new(Some(arbiter)),
                handle,
                actors: Mutex::new(HashMap::new()),
                layouts: Arc::new(LayoutCache::default()),
                loads: AtomicU64::new(0),
            }),
        }
    }

    /// The actor of `showtime_id`; 404 when there is no such showtime.
    /// However many requests ask at once for a showtime not yet loaded (the
    /// first burst of a flash sale), it is loaded once: they wait together.
    pub async fn get(&self, showtime_id: ShowtimeId) -> AppResult<ActorRef> {
        let now = to_millis(self.inner.clock.now());
        let (slot, in_use) = {
            let mut actors = self.lock_actors()?;
            let slot = actors.entry(showtime_id).or_default();
            if slot.actor.get().is_some_and(|addr| !addr.connected()) {
                *slot = Arc::default();
            }
            // Counted under the map's lock: an idle actor leaves the map
            // under it too, so it never leaves while a request holds it.
            slot.users.fetch_add(1, Ordering::AcqRel);
            slot.last_used.fetch_max(now, Ordering::AcqRel);
            (slot.clone(), InUse(slot.clone()))
        };
        let started = slot
            .actor
            .get_or_try_init(|| self.start(showtime_id))
            .await
            .cloned();
        match started {
            Ok(addr) => Ok(ActorRef { addr, _use: in_use }),
            Err(error) => {
                drop(in_use);
                // Unknown showtimes leave nothing behind in the map.
                let mut actors = self.lock_actors()?;
                if actors
                    .get(&showtime_id)
                    .is_some_and(|s| Arc::ptr_eq(s, &slot) && s.actor.get().is_none())
                {
                    actors.remove(&showtime_id);
                }
                Err(error)
            }
        }
    }

    /// Stops the actors that are idle at `now` (see [`StopIfIdle`]): nothing
    /// held, no subscriber, no request for `idle_after` or the showtime
    /// over. Their memory goes back; the next request loads the showtime
    /// again. Answers how many stopped. A plain function: tests call it.
    pub async fn stop_idle(&self, now: DateTime<Utc>, idle_after: std::time::Duration) -> usize {
        let idle_after_ms = i64::try_from(idle_after.as_millis()).unwrap_or(i64::MAX);
        let candidates: Vec<(ShowtimeId, Slot, Addr<ShowtimeActor>)> = match self.lock_actors() {
            Ok(actors) => actors
                .iter()
                .filter(|(_, slot)| slot.users.load(Ordering::Acquire) == 0)
                .filter_map(|(id, slot)| {
                    let addr = slot.actor.get()?.clone();
                    Some((*id, slot.clone(), addr))
                })
                .collect(),
            Err(_) => return 0,
        };
        let mut stopped = 0;
        for (showtime_id, slot, addr) in candidates {
            let inner = self.inner.clone();
            let last_used = slot.last_used.load(Ordering::Acquire);
            let leave = {
                let slot = slot.clone();
                move || {
                    let Ok(mut actors) = inner.actors.lock() else {
                        return false;
                    };
                    let still_ours = actors
                        .get(&showtime_id)
                        .is_some_and(|s| Arc::ptr_eq(s, &slot));
                    if still_ours && slot.users.load(Ordering::Acquire) == 0 {
                        actors.remove(&showtime_id);
                        true
                    } else {
                        false
                    }
                }
            };
            let asked = addr.send(StopIfIdle {
                now,
                last_used,
                idle_after_ms,
                leave: Box::new(leave),
            });
            if let Ok(true) = asked.await {
                stopped += 1;
            }
        }
        if stopped > 0 {
            tracing::debug!(stopped, "idle showtime actors stopped");
        }
        stopped
    }

    /// Every `every`, stops the actors idle for `idle_after` (0: never).
    pub async fn stop_idle_every(
        self,
        every: std::time::Duration,
        idle_after: std::time::Duration,
    ) {
        if idle_after.is_zero() {
            return;
        }
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            self.stop_idle(self.inner.clock.now(), idle_after).await;
        }
    }

    /// Showtime actors running now.
    pub fn running(&self) -> usize {
        self.lock_actors().map_or(0, |actors| {
            actors.values().filter(|s| s.actor.get().is_some()).count()
        })
    }

    /// Cancels a showtime for `reason` (see [`super::book::SeatBook::cancel`]).
    pub async fn cancel(
        &self,
        showtime_id: ShowtimeId,
        reason: &str,
        offer: Option<super::book::OfferWindows>,
        by: Option<crate::ids::UserId>,
    ) -> AppResult<Cancellation> {
        let reason = crate::error::required_text(
            reason,
            500,
            "reason",
            "invalid_reason",
            "say why the showtime is cancelled",
        )?;
        let actor = self.get(showtime_id).await?;
        actor
            .send(CancelShowtime {
                reason,
                offer,
                by,
                now: self.inner.clock.now(),
            })
            .await?
    }

    /// Loads the showtime and starts its actor. The actor's first message
    /// releases the holds that ran out while nobody was looking, before anyone
    /// else can reach it.
    async fn start(&self, showtime_id: ShowtimeId) -> AppResult<Addr<ShowtimeActor>> {
        self.inner.loads.fetch_add(1, Ordering::Relaxed);
        let rules = self.inner.rules.clone();
        let layouts = self.inner.layouts.clone();
        let now = to_millis(self.inner.clock.now());
        let book = self
            .inner
            .store
            .read(move |conn| persist::load(conn, showtime_id, rules, &layouts, now))
            .await?
            .ok_or(AppError::NotFound("showtime"))?;
        let store = self.inner.store.clone();
        let layouts = self.inner.layouts.clone();
        let clock = self.inner.clock.clone();
        let addr = ShowtimeActor::start_in_arbiter(&self.inner.handle, move |_| {
            ShowtimeActor::new(book, store, layouts, clock)
        });
        addr.send(ExpireHolds {
            now: self.inner.clock.now(),
        })
        .await??;
        Ok(addr)
    }

    fn lock_actors(&self) -> AppResult<std::sync::MutexGuard<'_, HashMap<ShowtimeId, Slot>>> {
        self.inner
            .actors
            .lock()
            .map_err(|_| AppError::Internal("the showtime registry is poisoned".into()))
    }

    /// Starts the actor of every showtime with open holds, so that holds which
    /// expired while the server was down are released right away.
    pub async fn recover(&self) -> AppResult<usize> {
        let showtimes = self
            .inner
            .store
            .read(persist::showtimes_with_open_bookings)
            .await?;
        // A few loads at a time: SQLite reads run side by side on blocking threads.
        let loaded: Vec<AppResult<_>> = futures_util::stream::iter(showtimes.iter().copied())
            .map(|showtime_id| self.get(showtime_id))
            .buffer_unordered(RECOVERY_CONCURRENCY)
            .collect()
            .await;
        let mut recovered = 0;
        for result in loaded {
            match result {
                Ok(_) => recovered += 1,
                // One damaged showtime does not stop the cinema: the admins
                // are told, and that showtime answers 503 until it is fixed.
                Err(AppError::ShowtimeUnavailable { showtime_id, why }) => {
                    let now = crate::clock::to_millis(self.inner.clock.now());
                    let subject = format!("showtime {showtime_id} cannot be loaded");
                    let message = format!(
                        "Showtime {showtime_id} could not be loaded at start: {why}. It answers \
                         503 showtime_unavailable until its rows are repaired; the rest of the \
                         cinema runs."
                    );
                    self.inner
                        .store
                        .write(move |conn| {
                            crate::notify::alert_once(
                                conn,
                                "showtime_unavailable",
                                &subject,
                                &message,
                                now,
                            )
                        })
                        .await?;
                }
                Err(other) => return Err(other),
            }
        }
        Ok(recovered)
    }

    /// The actors currently running. A poisoned map is still read: the
    /// sweep must go on expiring holds, never see an empty cinema.
    pub fn live(&self) -> Vec<(ShowtimeId, Addr<ShowtimeActor>)> {
        let actors = self.inner.actors.lock().unwrap_or_else(|poisoned| {
            // Said at every sweep until a restart: holds still expire meanwhile.
            tracing::error!("the showtime registry was poisoned by a panic; reading it anyway");
            poisoned.into_inner()
        });
        actors
            .iter()
            .filter_map(|(id, slot)| slot.actor.get().map(|addr| (*id, addr.clone())))
            .collect()
    }

    /// The actor of `showtime_id` if it is running now (none is started).
    pub fn loaded(&self, showtime_id: ShowtimeId) -> Option<Addr<ShowtimeActor>> {
        let actors = self.lock_actors().ok()?;
        actors.get(&showtime_id)?.actor.get().cloned()
    }

    /// Forgets the actors of `showtimes` (a layout edit reached them): their
    /// next message loads them afresh. Only for showtimes with no booking and
    /// no block, whose actors hold nothing the database does not.
    pub fn forget(&self, showtimes: &[ShowtimeId]) {
        if let Ok(mut actors) = self.inner.actors.lock() {
            for showtime_id in showtimes {
                actors.remove(showtime_id);
            }
        }
    }

    /// Showtimes loaded from the database so far (tries included).
    pub fn loads(&self) -> u64 {
        self.inner.loads.load(Ordering::Relaxed)
    }

    pub fn clock(&self) -> &SharedClock {
        &self.inner.clock
    }

    /// Stops every actor and their thread (on shutdown, and between restarts in tests).
    pub fn stop(&self) {
        lock_for_shutdown(&self.inner.actors).clear();
        let arbiter = lock_for_shutdown(&self.inner.arbiter).take();
        if let Some(arbiter) = arbiter {
            arbiter.stop();
            let _ = arbiter.join();
        }
    }
}
