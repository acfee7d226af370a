//! Liveness and readiness for operators.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::{app::AppState, error::AppResult};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz));
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Ready when the database answers a query.
async fn readyz(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    state
        .store
        .read(|conn| Ok(conn.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?))
        .await?;
    Ok(HttpResponse::Ok().json(json!({"status": "ready", "database": "ok", "queue": "embedded"})))
}
