//! /admin: what the cinema's staff do. Every path answers 403 to customers,
//! except the paths of one refund, which answer 404 to anyone but an admin
//! (a customer learns nothing about refund ids).

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::auth::{Admin, Caller};
use crate::{
    error::{AppError, AppResult},
    ids::{RefundId, ShowtimeId},
    state::AppState,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/showtimes/{id}/cancel", web::post().to(cancel))
        .route("/admin/refunds", web::get().to(refunds))
        .route("/admin/refunds/{id}/retry", web::post().to(retry))
        .route("/admin/refunds/{id}/resolve", web::post().to(resolve))
        .route("/admin/alerts", web::get().to(alerts))
        .route("/admin/notifications", web::get().to(notifications));
}

#[derive(Deserialize)]
struct CancelRequest {
    reason: String,
}

/// 202: the cancellation is done; the refunds it queued happen later.
async fn cancel(
    state: web::Data<AppState>,
    _admin: Admin,
    id: web::Path<ShowtimeId>,
    body: web::Json<CancelRequest>,
) -> AppResult<HttpResponse> {
    let cancelled = state
        .bookings
        .cancel_showtime(id.into_inner(), &body.reason)
        .await?;
    Ok(HttpResponse::Accepted().json(cancelled))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusFilter {
    status: Option<String>,
}

async fn refunds(
    state: web::Data<AppState>,
    _admin: Admin,
    filter: web::Query<StatusFilter>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.refunds.list(filter.into_inner().status).await?))
}

fn refund_admin(caller: &Caller) -> AppResult<()> {
    if caller.is_admin() {
        Ok(())
    } else {
        Err(AppError::NotFound("refund"))
    }
}

async fn retry(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<RefundId>,
) -> AppResult<HttpResponse> {
    refund_admin(&caller)?;
    Ok(HttpResponse::Accepted().json(state.refunds.retry(&id).await?))
}

#[derive(Deserialize)]
struct Resolution {
    note: String,
}

async fn resolve(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<RefundId>,
    body: web::Json<Resolution>,
) -> AppResult<HttpResponse> {
    refund_admin(&caller)?;
    let note = body.into_inner().note;
    Ok(HttpResponse::Ok().json(state.refunds.resolve(&id, note).await?))
}

async fn alerts(state: web::Data<AppState>, _admin: Admin) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.notifier.alerts().await?))
}

async fn notifications(
    state: web::Data<AppState>,
    _admin: Admin,
    filter: web::Query<StatusFilter>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.notifier.list(filter.into_inner().status).await?))
}
