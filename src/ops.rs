//! What operators ask of the running server: readiness (the database
//! answers; the refund queue's state) and the Prometheus metrics.

use std::{fmt::Write, sync::Arc};

use serde_json::json;

use crate::{
    error::AppResult, notify::Notifier, refunds::Refunds, scheduler::SweepStats,
    seats::ShowtimeRegistry, store::Store,
};

/// Readiness and metrics, read from the parts that do the work.
#[derive(Clone)]
pub struct Ops {
    store: Store,
    registry: ShowtimeRegistry,
    sweeps: Arc<SweepStats>,
    refunds: Refunds,
    notifier: Notifier,
}

impl Ops {
    pub fn new(
        store: Store,
        registry: ShowtimeRegistry,
        sweeps: Arc<SweepStats>,
        refunds: Refunds,
        notifier: Notifier,
    ) -> Ops {
        Ops {
            store,
            registry,
            sweeps,
            refunds,
            notifier,
        }
    }

    /// Ready when the database answers a query (an error otherwise). The
    /// refund queue is reported too: a broker that is away only delays
    /// refunds (the outbox keeps them), so it makes the server `degraded`,
    /// not unready.
    #[tracing::instrument(skip_all)]
    pub async fn readiness(&self) -> AppResult<serde_json::Value> {
        self.store
            .read(|conn| {
                Ok(conn
                    .prepare_cached(query!("ops/ping"))?
                    .query_row([], |r| r.get::<_, i64>(0))?)
            })
            .await?;
        let queue = self.refunds.status();
        let status = if queue.is_up() { "ready" } else { "degraded" };
        let kind = queue.kind();
        let mut queue = match serde_json::to_value(&queue) {
            Ok(serde_json::Value::Object(fields)) => fields,
            Ok(other) => {
                tracing::error!(%other, "the refund queue's status is not an object");
                serde_json::Map::new()
            }
            Err(error) => {
                tracing::error!(%error, "serializing the refund queue's status");
                serde_json::Map::new()
            }
        };
        queue.insert("kind".into(), json!(kind));
        Ok(json!({
            "status": status,
            "database": "ok",
            "queue": queue,
            "notifications": self.notifier.describe(),
        }))
    }

    /// Refunds, notifications and refund outbox rows by status:
    /// (family, status, count).
    async fn backlog(&self) -> AppResult<Vec<(String, String, i64)>> {
        self.store
            .read(|conn| {
                Ok(conn
                    .prepare_cached(query!("ops/backlog"))?
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<Result<Vec<_>, _>>()?)
            })
            .await
    }

    /// The Prometheus text exposition. A database that does not answer
    /// leaves the backlog figures out, not the rest.
    #[tracing::instrument(skip_all)]
    pub async fn metrics(&self) -> String {
        let backlog = self.backlog().await.unwrap_or_else(|error| {
            tracing::warn!(%error, "metrics without the backlog figures");
            Vec::new()
        });
        let sweeps = self.sweeps.totals();
        let unix = |t: chrono::DateTime<chrono::Utc>| t.timestamp_millis() as f64 / 1000.0;
        let busy = sweeps.last_busy.as_ref();
        let figures: [(&str, &str, &str, String); 14] = [
            (
                "bioskop_showtime_actors",
                "gauge",
                "Showtime actors running (showtimes loaded in memory).",
                self.registry.live().len().to_string(),
            ),
            (
                "bioskop_showtime_loads_total",
                "counter",
                "Showtimes loaded from the database into an actor.",
                self.registry.loads().to_string(),
            ),
            (
                "bioskop_sweeps_total",
                "counter",
                "Expiry sweeps run.",
                sweeps.sweeps.to_string(),
            ),
            (
                "bioskop_sweep_released_bookings_total",
                "counter",
                "Bookings released by sweeps because their hold ran out.",
                sweeps.bookings_released.to_string(),
            ),
            (
                "bioskop_sweep_released_seats_total",
                "counter",
                "Seats released by sweeps because their hold ran out.",
                sweeps.seats_released.to_string(),
            ),
            (
                "bioskop_sweep_failures_total",
                "counter",
                "Showtimes whose expiry could not be persisted (retried next sweep).",
                sweeps.failures.to_string(),
            ),
            (
                "bioskop_sweep_last_started_seconds",
                "gauge",
                "Unix time the last sweep started.",
                sweeps.last_started_at.map_or(0.0, unix).to_string(),
            ),
            (
                "bioskop_sweep_last_duration_seconds",
                "gauge",
                "How long the last sweep took, until its releases were durable.",
                sweeps.last_duration.as_secs_f64().to_string(),
            ),
            (
                "bioskop_sweep_last_released_seats",
                "gauge",
                "Seats the last sweep released.",
                sweeps.last.seats_released.to_string(),
            ),
            (
                "bioskop_sweep_last_busy_started_seconds",
                "gauge",
                "Unix time the last sweep that released seats started.",
                busy.map_or(0.0, |(t, _, _)| unix(*t)).to_string(),
            ),
            (
                "bioskop_sweep_last_busy_duration_seconds",
                "gauge",
                "How long the last sweep that released seats took, until durable.",
                busy.map_or(0.0, |(_, d, _)| d.as_secs_f64()).to_string(),
            ),
            (
                "bioskop_sweep_last_busy_released_seats",
                "gauge",
                "Seats the last sweep that released seats released.",
                busy.map_or(0, |(_, _, r)| r.seats_released).to_string(),
            ),
            (
                "bioskop_process_resident_memory_bytes",
                "gauge",
                "Resident memory of the server process.",
                crate::process::resident_bytes("self").to_string(),
            ),
            (
                &format!(
                    "bioskop_database_info{{synchronous=\"{}\"}}",
                    self.store.synchronous().pragma_value().to_lowercase()
                ),
                "gauge",
                "The database settings in force.",
                "1".to_string(),
            ),
        ];
        let mut out = String::new();
        for (name, kind, help, value) in figures {
            let family = name.split('{').next().unwrap_or(name);
            let _ = writeln!(
                out,
                "# HELP {family} {help}\n# TYPE {family} {kind}\n{name} {value}"
            );
        }
        let queue_up = u8::from(self.refunds.status().is_up());
        let _ = writeln!(
            out,
            "# HELP bioskop_refund_queue_up Whether the refund queue (RabbitMQ, or the embedded one) is connected.\n\
         # TYPE bioskop_refund_queue_up gauge\nbioskop_refund_queue_up {queue_up}"
        );
        for (family, help) in [
            (
                "refunds",
                "Refunds by status (failed ones wait for an admin).",
            ),
            (
                "notifications",
                "Notifications by status (pending ones wait to be sent).",
            ),
            (
                "refund_outbox",
                "Refund attempts not yet handed to the queue.",
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP bioskop_{family} {help}\n# TYPE bioskop_{family} gauge"
            );
            for (_, status, count) in backlog.iter().filter(|(f, _, _)| f == family) {
                let _ = writeln!(out, "bioskop_{family}{{status=\"{status}\"}} {count}");
            }
        }
        out
    }
}
