//! Liveness, readiness and metrics for operators.

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::openapi::Anyone;
use crate::{error::AppResult, state::AppState};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics));
}

/// Alive: answers without touching the database.
#[utoipa::path(get, path = "/healthz", tag = "ops",
    responses((status = 200, description = "`{\"status\": \"ok\"}`", body = Object), Anyone))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Ready when the database answers a query (503 otherwise); see
/// [`crate::ops::Ops::readiness`].
#[utoipa::path(get, path = "/readyz", tag = "ops",
    responses((status = 200, description = "ready (or degraded: the refund queue is away)", body = Object), Anyone))]
pub async fn readyz(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.ops.readiness().await?))
}

/// Prometheus text exposition.
#[utoipa::path(get, path = "/metrics", tag = "ops",
    responses((status = 200, description = "Prometheus text", content_type = "text/plain", body = String), Anyone))]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.ops.metrics().await)
}
