//! Liveness, readiness and metrics for operators.

use actix_web::{HttpRequest, HttpResponse, http::header, web};
use secrecy::ExposeSecret;
use serde_json::json;
use subtle::ConstantTimeEq;

use super::openapi::{Anyone, Problem};
use crate::{
    error::{AppError, AppResult},
    state::AppState,
};

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

/// Prometheus text exposition; with `ops.metrics_token` set, only for a
/// scraper that sends it as its bearer token.
#[utoipa::path(get, path = "/metrics", tag = "ops",
    security((), ("bearer" = [])),
    responses((status = 200, description = "Prometheus text", content_type = "text/plain", body = String),
        (status = 401, description = "`unauthenticated`: `ops.metrics_token` is set and was not sent", body = Problem, content_type = "application/problem+json"),
        Anyone))]
pub async fn metrics(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    let expected = state.settings.ops.metrics_token.expose_secret().trim();
    if !expected.is_empty() {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default()
            .trim();
        if !bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
            return Err(AppError::Unauthenticated);
        }
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.ops.metrics().await))
}
