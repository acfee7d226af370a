//! Liveness, readiness and metrics for operators.

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

/// Ready when the database answers a query (503 otherwise); see
/// [`crate::ops::Ops::readiness`].
async fn readyz(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.ops.readiness().await?))
}

/// Prometheus text exposition.
async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.ops.metrics().await)
}
