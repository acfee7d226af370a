//! The sweep that frees expired holds. `sweep_expired_holds` is a plain
//! function that returns what it did, so tests call it directly with a
//! manual clock; `start` runs it on `scheduler.sweep_cron` with
//! tokio-cron-scheduler.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::Serialize;
use tokio_cron_scheduler::{Job, JobScheduler};

use crate::seats::{ShowtimeRegistry, actor::ExpireHolds};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    /// Showtime actors asked to expire their holds.
    pub showtimes: usize,
    /// Bookings released because their hold ran out.
    pub released: usize,
    /// Seats those bookings held.
    pub seats_released: usize,
    /// Showtimes that could not persist their expiry (retried next sweep).
    pub failed: usize,
}

/// Showtime actors a sweep asks at once. They all run on one thread, the
/// one that also handles customers' holds: asking all 2,000 of a sweep at
/// once queued every hold that arrived then behind 2,000 expiries (holds'
/// p99 in the first second of a 100,000-hold sweep: 107–233 ms, against
/// 35–37 ms outside it; 42–64 ms asking 16 at a time, the sweep as long).
/// Each answer waits for its write, so this also bounds the sweep's writes
/// queued in the writer's background lane.
const ACTORS_AT_ONCE: usize = 16;

/// Asks every live showtime to release the holds due at `now`, a few at a
/// time ([`ACTORS_AT_ONCE`]). Showtimes without a live actor have no open
/// holds: recovery starts every showtime that has one.
pub async fn sweep_expired_holds(registry: &ShowtimeRegistry, now: DateTime<Utc>) -> SweepReport {
    let actors: Vec<_> = registry.live().into_iter().map(|(_, a)| a).collect();
    let mut report = SweepReport {
        showtimes: actors.len(),
        ..SweepReport::default()
    };
    let answers: Vec<_> = futures_util::stream::iter(actors)
        .map(move |actor| actor.send(ExpireHolds { now }))
        .buffer_unordered(ACTORS_AT_ONCE)
        .collect()
        .await;
    for answer in answers {
        match answer {
            Ok(Ok(expired)) => {
                report.released += expired.bookings;
                report.seats_released += expired.seats;
            }
            // Stopped for being idle since the sweep listed it: it held
            // nothing (see `ShowtimeRegistry::stop_idle`).
            Err(actix::MailboxError::Closed) => report.showtimes -= 1,
            _ => report.failed += 1,
        }
    }
    report
}

/// What the sweeps did so far, for `/metrics`.
#[derive(Debug, Default)]
pub struct SweepStats {
    inner: Mutex<SweepTotals>,
}

#[derive(Debug, Clone, Default)]
pub struct SweepTotals {
    pub sweeps: u64,
    pub bookings_released: u64,
    pub seats_released: u64,
    pub failures: u64,
    /// Wall-clock start of the last sweep.
    pub last_started_at: Option<DateTime<Utc>>,
    pub last_duration: Duration,
    pub last: SweepReport,
    /// The last sweep that released anything: when, how long, what.
    pub last_busy: Option<(DateTime<Utc>, Duration, SweepReport)>,
}

impl SweepStats {
    pub fn record(&self, started_at: DateTime<Utc>, took: Duration, report: &SweepReport) {
        // Counters only: what a panicking writer left is still worth counting on.
        let mut totals = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        {
            totals.sweeps += 1;
            totals.bookings_released += report.released as u64;
            totals.seats_released += report.seats_released as u64;
            totals.failures += report.failed as u64;
            totals.last_started_at = Some(started_at);
            totals.last_duration = took;
            totals.last = report.clone();
            if report.seats_released > 0 {
                totals.last_busy = Some((started_at, took, report.clone()));
            }
        }
    }

    pub fn totals(&self) -> SweepTotals {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

/// One timed sweep, recorded in `stats`: what the cron job runs.
pub async fn timed_sweep(registry: &ShowtimeRegistry, stats: &SweepStats) -> SweepReport {
    let started_at = Utc::now();
    let started = Instant::now();
    let report = sweep_expired_holds(registry, registry.clock().now()).await;
    let took = started.elapsed();
    stats.record(started_at, took, &report);
    if report.released > 0 || report.failed > 0 {
        tracing::info!(
            ?report,
            took_ms = took.as_millis() as u64,
            "expired holds swept"
        );
    }
    report
}

/// Runs the sweep on its cron schedule until the returned scheduler is shut down.
pub async fn start(
    registry: ShowtimeRegistry,
    stats: Arc<SweepStats>,
    offers: crate::offers::Offers,
    cron: &str,
) -> anyhow::Result<JobScheduler> {
    let scheduler = JobScheduler::new().await?;
    // A sweep still at work when the next one is due (100,000 holds take
    // seconds) lets that one pass instead of running beside it: the next
    // would only ask the same actors again, and two sweeps would split one
    // expiry's figures between them.
    let sweeping = Arc::new(AtomicBool::new(false));
    let job = Job::new_async(cron, move |_id, _scheduler| {
        let registry = registry.clone();
        let stats = stats.clone();
        let sweeping = sweeping.clone();
        Box::pin(async move {
            if sweeping.swap(true, Ordering::AcqRel) {
                return;
            }
            let _done = Sweeping(sweeping);
            timed_sweep(&registry, &stats).await;
        })
    })?;
    scheduler.add(job).await?;
    // On the same schedule: offers nobody decided in time are refunded, and
    // decided moves a crash interrupted are made (`Offers::run_due`).
    let deciding = Arc::new(AtomicBool::new(false));
    let job = Job::new_async(cron, move |_id, _scheduler| {
        let offers = offers.clone();
        let deciding = deciding.clone();
        Box::pin(async move {
            if deciding.swap(true, Ordering::AcqRel) {
                return;
            }
            let _done = Sweeping(deciding);
            match offers.run_due(offers.clock().now()).await {
                Ok(round) if round != crate::offers::OfferRound::default() => {
                    tracing::info!(
                        refunded = round.refunded,
                        moved = round.moved,
                        undone = round.undone,
                        failed = round.failed,
                        "cancelled-showtime offers"
                    );
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, "cancelled-showtime offers (retried next minute)")
                }
            }
        })
    })?;
    scheduler.add(job).await?;
    scheduler.start().await?;
    Ok(scheduler)
}

/// A sweep in progress, for as long as this lives (cleared however the
/// sweep ends, even dropped midway at shutdown).
struct Sweeping(Arc<AtomicBool>);

impl Drop for Sweeping {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}
