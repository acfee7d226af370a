//! Liveness, readiness and metrics for operators.

use std::fmt::Write;

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::{error::AppResult, state::AppState};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics));
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Ready when the database answers a query (503 otherwise). The refund queue
/// is reported too: a broker that is away only delays refunds (the outbox
/// keeps them), so it makes the server `degraded`, not unready.
async fn readyz(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    state
        .store
        .read(|conn| Ok(conn.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?))
        .await?;
    let queue = state.refunds.status();
    let status = if queue.is_up() { "ready" } else { "degraded" };
    let kind = queue.kind();
    let mut queue = serde_json::to_value(&queue).unwrap_or_default();
    queue["kind"] = json!(kind);
    Ok(HttpResponse::Ok().json(json!({
        "status": status,
        "database": "ok",
        "queue": queue,
        "notifications": state.notifier.describe(),
    })))
}

/// Prometheus text exposition.
async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let backlog = state
        .store
        .read(|conn| {
            Ok(conn
                .prepare_cached(include_str!("../../sql/queries/notify/backlog.sql"))?
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?)
        })
        .await
        .unwrap_or_default();
    let sweeps = state.sweeps.totals();
    let unix = |t: chrono::DateTime<chrono::Utc>| t.timestamp_millis() as f64 / 1000.0;
    let busy = sweeps.last_busy.as_ref();
    let figures: [(&str, &str, &str, String); 14] = [
        (
            "bioskop_showtime_actors",
            "gauge",
            "Showtime actors running (showtimes loaded in memory).",
            state.registry.live().len().to_string(),
        ),
        (
            "bioskop_showtime_loads_total",
            "counter",
            "Showtimes loaded from the database into an actor.",
            state.registry.loads().to_string(),
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
                state.store.synchronous().pragma_value().to_lowercase()
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
    let queue_up = u8::from(state.refunds.status().is_up());
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
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(out)
}
