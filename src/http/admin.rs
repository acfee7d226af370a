//! /admin: what the cinema's staff do. Every path answers 403 to customers,
//! except the paths of one refund, which answer 404 to anyone but an admin
//! (a customer learns nothing about refund ids).

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{
    auth::Admin,
    body::Body,
    openapi::{JsonBody, Missing, Problem, Staff},
};
use crate::{
    bookings::ShowtimeCancelled,
    error::AppResult,
    ids::{RefundId, ShowtimeId},
    notify::{AlertView, NotificationView},
    refunds::RefundView,
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

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CancelRequest {
    /// Why, in words the customers will read (1 to 500 characters).
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    reason: String,
    /// Offer each paying customer a move to another showtime of the movie
    /// or the refund, instead of refunding at once (DESIGN 4c).
    #[serde(default)]
    offer_move: bool,
}

#[utoipa::path(post, path = "/api/v1/admin/showtimes/{id}/cancel", tag = "admin", request_body = CancelRequest,
    security(("bearer" = [])),
    params(("id" = ShowtimeId, Path, description = "the showtime")),
    responses((status = 202, description = "cancelled now; the refunds it queued happen later (with `offer_move`: `offers_made` offers wait for their customers)", body = ShowtimeCancelled),
        (status = 422, description = "`invalid_body`, `invalid_reason`", body = Problem, content_type = "application/problem+json"), Missing, Staff, JsonBody))]
/// 202: the cancellation is done; the refunds it queued happen later.
pub async fn cancel(
    state: web::Data<AppState>,
    admin: Admin,
    id: web::Path<ShowtimeId>,
    body: Body<CancelRequest>,
) -> AppResult<HttpResponse> {
    let cancelled = state
        .bookings
        .cancel_showtime(id.into_inner(), &body.reason, body.offer_move, admin.0.id)
        .await?;
    Ok(HttpResponse::Accepted().json(cancelled))
}

/// `?status=` of the refund list (checked by the service: 422 `invalid_status`).
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RefundFilter {
    /// Only refunds in this status.
    #[param(schema_with = super::openapi::refund_status_or_empty)]
    status: Option<String>,
}

/// `?status=` of the notification list.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct NotificationFilter {
    /// Only notifications in this status.
    #[param(schema_with = super::openapi::notification_status_or_empty)]
    status: Option<String>,
}

/// Every refund, newest first.
#[utoipa::path(get, path = "/api/v1/admin/refunds", tag = "admin", params(RefundFilter),
    security(("bearer" = [])),
    responses((status = 200, description = "refunds", body = Vec<RefundView>),
        (status = 422, description = "`invalid_status`, `invalid_query`", body = Problem, content_type = "application/problem+json"), Staff))]
pub async fn refunds(
    state: web::Data<AppState>,
    _admin: Admin,
    filter: web::Query<RefundFilter>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.refunds.list(filter.into_inner().status).await?))
}

/// A FAILED refund gets a fresh round of attempts.
#[utoipa::path(post, path = "/api/v1/admin/refunds/{id}/retry", tag = "admin",
    security(("bearer" = [])),
    params(("id" = RefundId, Path, description = "the refund")),
    responses((status = 202, description = "queued again", body = RefundView),
        (status = 409, description = "`refund_not_failed`", body = Problem, content_type = "application/problem+json"), Missing, Staff))]
pub async fn retry(
    state: web::Data<AppState>,
    admin: Admin,
    id: web::Path<RefundId>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Accepted().json(state.refunds.retry(&id, admin.0.id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Resolution {
    /// How the money went back (1 to 1000 characters).
    #[schema(min_length = 1, max_length = 1000, pattern = r"\S")]
    note: String,
}

/// A FAILED refund was done by hand.
#[utoipa::path(post, path = "/api/v1/admin/refunds/{id}/resolve", tag = "admin", request_body = Resolution,
    security(("bearer" = [])),
    params(("id" = RefundId, Path, description = "the refund")),
    responses((status = 200, description = "resolved", body = RefundView),
        (status = 409, description = "`refund_not_failed`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_body`, `invalid_note`", body = Problem, content_type = "application/problem+json"), Missing, Staff, JsonBody))]
pub async fn resolve(
    state: web::Data<AppState>,
    admin: Admin,
    id: web::Path<RefundId>,
    body: Body<Resolution>,
) -> AppResult<HttpResponse> {
    let note = body.into_inner().note;
    Ok(HttpResponse::Ok().json(state.refunds.resolve(&id, note, admin.0.id).await?))
}

/// Alerts for the admins, newest first.
#[utoipa::path(get, path = "/api/v1/admin/alerts", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "alerts", body = Vec<AlertView>), Staff))]
pub async fn alerts(state: web::Data<AppState>, _admin: Admin) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.notifier.alerts().await?))
}

/// Notifications (e-mail, WhatsApp), newest first.
#[utoipa::path(get, path = "/api/v1/admin/notifications", tag = "admin", params(NotificationFilter),
    security(("bearer" = [])),
    responses((status = 200, description = "notifications", body = Vec<NotificationView>),
        (status = 422, description = "`invalid_status`, `invalid_query`", body = Problem, content_type = "application/problem+json"), Staff))]
pub async fn notifications(
    state: web::Data<AppState>,
    _admin: Admin,
    filter: web::Query<NotificationFilter>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.notifier.list(filter.into_inner().status).await?))
}
