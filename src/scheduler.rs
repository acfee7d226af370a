//! The sweep that frees expired holds. `sweep_expired_holds` is a plain
//! function that returns what it did, so tests call it directly with a
//! manual clock; `start` runs it on `scheduler.sweep_cron` with
//! tokio-cron-scheduler.

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
            Ok(Ok(released)) => report.released += released,
            _ => report.failed += 1,
        }
    }
    report
}

/// Runs the sweep on its cron schedule until the returned scheduler is shut down.
pub async fn start(registry: ShowtimeRegistry, cron: &str) -> anyhow::Result<JobScheduler> {
    let scheduler = JobScheduler::new().await?;
    let job = Job::new_async(cron, move |_id, _scheduler| {
        let registry = registry.clone();
        Box::pin(async move {
            let now = registry.clock().now();
            let report = sweep_expired_holds(&registry, now).await;
            if report.released > 0 || report.failed > 0 {
                tracing::info!(?report, "expired holds swept");
            }
        })
    })?;
    scheduler.add(job).await?;
    scheduler.start().await?;
    Ok(scheduler)
}
