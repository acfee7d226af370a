//! Midtrans' side of payments: its HTTP notifications, and the admins'
//! decision on a payment its fraud detection challenged.

use actix_web::{HttpResponse, web};

use super::{
    auth::Admin,
    openapi::{Anyone, Missing, Problem, Staff},
};
use crate::{
    error::AppResult,
    ids::PaymentId,
    payments::{NotificationReceipt, SettlementView},
    state::AppState,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/payments/midtrans/notification",
        web::post().to(notification),
    )
    .route("/admin/payments/{id}/approve", web::post().to(approve))
    .route("/admin/payments/{id}/deny", web::post().to(deny));
}

/// Midtrans' HTTP notification (the URL to enter in its dashboard). Answered
/// 200 once recorded; it acts after the status API confirms it.
#[utoipa::path(post, path = "/api/v1/payments/midtrans/notification", tag = "payments",
    request_body(content = String, content_type = "application/json",
        description = "Midtrans' notification: `order_id`, `status_code`, `gross_amount`, `transaction_status`, `signature_key` (hex SHA-512 of order_id + status_code + gross_amount + the server key), ..."),
    responses((status = 200, description = "recorded (a duplicate too)", body = NotificationReceipt),
        (status = 400, description = "`malformed_json`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`invalid_signature`: missing or wrong `signature_key`; nothing recorded", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`payload_too_large`", body = Problem, content_type = "application/problem+json"),
        Missing, Anyone))]
pub async fn notification(state: web::Data<AppState>, body: web::Bytes) -> AppResult<HttpResponse> {
    let receipt = state.payments.midtrans_notification(&body).await?;
    Ok(HttpResponse::Ok().json(receipt))
}

#[utoipa::path(post, path = "/api/v1/admin/payments/{id}/approve", tag = "admin",
    security(("bearer" = [])),
    params(("id" = PaymentId, Path, description = "the payment")),
    responses((status = 200, description = "approved at Midtrans and settled", body = SettlementView),
        (status = 409, description = "`payment_not_challenged`", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "`gateway_unavailable`", body = Problem, content_type = "application/problem+json"),
        (status = 504, description = "`gateway_timeout`", body = Problem, content_type = "application/problem+json"),
        Missing, Staff))]
/// Approves a challenged payment at Midtrans: its seats are sold.
pub async fn approve(
    state: web::Data<AppState>,
    _admin: Admin,
    id: web::Path<PaymentId>,
) -> AppResult<HttpResponse> {
    let settled = state.payments.decide_challenge(&id, true).await?;
    Ok(HttpResponse::Ok().json(settled))
}

#[utoipa::path(post, path = "/api/v1/admin/payments/{id}/deny", tag = "admin",
    security(("bearer" = [])),
    params(("id" = PaymentId, Path, description = "the payment")),
    responses((status = 200, description = "denied at Midtrans; the seats are free again", body = SettlementView),
        (status = 409, description = "`payment_not_challenged`", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "`gateway_unavailable`", body = Problem, content_type = "application/problem+json"),
        (status = 504, description = "`gateway_timeout`", body = Problem, content_type = "application/problem+json"),
        Missing, Staff))]
/// Denies a challenged payment at Midtrans: its seats are freed.
pub async fn deny(
    state: web::Data<AppState>,
    _admin: Admin,
    id: web::Path<PaymentId>,
) -> AppResult<HttpResponse> {
    let settled = state.payments.decide_challenge(&id, false).await?;
    Ok(HttpResponse::Ok().json(settled))
}
