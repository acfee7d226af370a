//! The sweep that frees expired holds. `sweep_expired_holds` is a plain
//! function that returns what it did, so tests call it directly with a
//! manual clock; `start` runs it on `scheduler.sweep_cron` with
//! tokio-cron-scheduler.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use futures_util::future::join_all;
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

/// Asks every live showtime to release the holds due at `now`. Showtimes
/// without a live actor have no open holds: recovery starts every showtime
/// that has one.
pub async fn sweep_expired_holds(registry: &ShowtimeRegistry, now: DateTime<Utc>) -> SweepReport {
    let live = registry.live();
    let answers = join_all(
        live.iter()
            .map(|(_, actor)| actor.send(ExpireHolds { now })),
    )
    .await;
    let mut report = SweepReport {
        showtimes: live.len(),
        ..SweepReport::default()
    };
    for answer in answers {
        match answer {
            Ok(Ok(expired)) => {
                report.released += expired.bookings;
                report.seats_released += expired.seats;
            }
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
    cron: &str,
) -> anyhow::Result<JobScheduler> {
    let scheduler = JobScheduler::new().await?;
    let job = Job::new_async(cron, move |_id, _scheduler| {
        let registry = registry.clone();
        let stats = stats.clone();
        Box::pin(async move {
            timed_sweep(&registry, &stats).await;
        })
    })?;
    scheduler.add(job).await?;
    scheduler.start().await?;
    Ok(scheduler)
}
