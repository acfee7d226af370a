//! Finds the actor of a showtime, starting it from the database on first use.
//! All showtime actors run on one dedicated arbiter (thread): their work is
//! small and in memory, and it keeps them off the HTTP workers.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use actix::{Actor, Addr, Arbiter, ArbiterHandle};
use futures_util::StreamExt;

use super::{
    actor::{ExpireHolds, ShowtimeActor},
    book::{Rules, SeatBook},
    persist::{self, LayoutCache},
    types::ShowtimeId,
};
use crate::{
    clock::SharedClock,
    error::{AppError, AppResult},
    store::Store,
};

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
    actors: Mutex<HashMap<ShowtimeId, Addr<ShowtimeActor>>>,
    layouts: Arc<LayoutCache>,
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
            }),
        }
    }

    fn cached(&self, showtime_id: ShowtimeId) -> Option<Addr<ShowtimeActor>> {
        let actors = self.inner.actors.lock().ok()?;
        actors.get(&showtime_id).filter(|a| a.connected()).cloned()
    }

    /// The actor of `showtime_id`; 404 when there is no such showtime.
    pub async fn get(&self, showtime_id: ShowtimeId) -> AppResult<Addr<ShowtimeActor>> {
        if let Some(addr) = self.cached(showtime_id) {
            return Ok(addr);
        }
        let rules = self.inner.rules.clone();
        let layouts = self.inner.layouts.clone();
        let book = self
            .inner
            .store
            .read(move |conn| persist::load(conn, showtime_id, rules, &layouts))
            .await?
            .ok_or(AppError::NotFound("showtime"))?;
        let (addr, expiry) = self.start_unless_running(showtime_id, book)?;
        if let Some(expiry) = expiry {
            expiry.await??;
        }
        Ok(addr)
    }

    /// Starts the actor with `book`, unless another request started one while
    /// we were loading (then theirs is kept). A new actor's first message
    /// releases the holds that ran out while nobody was looking; it is queued
    /// before the actor is visible to anyone else.
    #[allow(clippy::type_complexity)]
    fn start_unless_running(
        &self,
        showtime_id: ShowtimeId,
        book: SeatBook,
    ) -> AppResult<(
        Addr<ShowtimeActor>,
        Option<actix::dev::Request<ShowtimeActor, ExpireHolds>>,
    )> {
        let mut actors = self
            .inner
            .actors
            .lock()
            .map_err(|_| AppError::Internal("the showtime registry is poisoned".into()))?;
        if let Some(addr) = actors.get(&showtime_id).filter(|a| a.connected()) {
            return Ok((addr.clone(), None));
        }
        let store = self.inner.store.clone();
        let layouts = self.inner.layouts.clone();
        let addr = ShowtimeActor::start_in_arbiter(&self.inner.handle, move |_| {
            ShowtimeActor::new(book, store, layouts)
        });
        let expiry = addr.send(ExpireHolds {
            now: self.inner.clock.now(),
        });
        actors.insert(showtime_id, addr.clone());
        Ok((addr, Some(expiry)))
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
        for result in loaded {
            result?;
        }
        Ok(showtimes.len())
    }

    /// The actors currently running.
    pub fn live(&self) -> Vec<(ShowtimeId, Addr<ShowtimeActor>)> {
        self.inner
            .actors
            .lock()
            .map(|a| a.iter().map(|(id, addr)| (*id, addr.clone())).collect())
            .unwrap_or_default()
    }

    pub fn clock(&self) -> &SharedClock {
        &self.inner.clock
    }

    /// Stops every actor and their thread (on shutdown, and between restarts in tests).
    pub fn stop(&self) {
        if let Ok(mut actors) = self.inner.actors.lock() {
            actors.clear();
        }
        if let Some(arbiter) = self.inner.arbiter.lock().ok().and_then(|mut a| a.take()) {
            arbiter.stop();
            let _ = arbiter.join();
        }
    }
}
