//! The gateway's notification webhook and the built-in sandbox checkout.

use actix_web::{
    FromRequest, HttpRequest, HttpResponse,
    dev::Payload,
    error::{PayloadError, UrlencodedError},
    guard,
    http::header,
    web,
};
use futures_util::future::LocalBoxFuture;

use super::{
    auth::{Admin, MaybeCaller},
    body::Body,
    openapi::{Anyone, JsonBody, Missing, Problem, Staff},
};
use crate::{
    error::{AppError, AppResult},
    ids::PaymentId,
    payments::SettlementView,
    payments::{
        gateway::SandboxControl,
        sandbox::{Payer, PayerChoice},
    },
    state::AppState,
};

/// Header carrying the hex HMAC-SHA256 of the notification body.
pub const SIGNATURE_HEADER: &str = "X-Bioskop-Signature";

const SANDBOX_PAY: &str = "/sandbox/pay/{payment_id}";

/// Who asks for a sandbox checkout: the `token` of the page's address (the
/// first one, if repeated) and the signed-in user (bearer or cookie), if
/// any. Never refuses by itself: the payment's owner is checked by the service.
pub struct SandboxPayer(pub Payer);

impl FromRequest for SandboxPayer {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<SandboxPayer, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let token = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
            .ok()
            .and_then(|query| {
                query
                    .into_inner()
                    .into_iter()
                    .find_map(|(name, value)| (name == "token").then_some(value))
            });
        let caller = MaybeCaller::from_request(req, payload);
        Box::pin(async move {
            let MaybeCaller(user) = caller.await?;
            Ok(SandboxPayer(Payer {
                token,
                user: user.map(|user| user.id),
            }))
        })
    }
}

pub fn api_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/payments/notifications", web::post().to(notification));
}

pub fn sandbox_routes(cfg: &mut web::ServiceConfig) {
    cfg.route(SANDBOX_PAY, web::get().to(checkout_page))
        // The checkout page's form; any other body is read as JSON.
        .service(
            web::resource(SANDBOX_PAY)
                .guard(guard::Post())
                .guard(guard::fn_guard(|ctx| {
                    ctx.head()
                        .headers()
                        .get(header::CONTENT_TYPE)
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
                }))
                .app_data(
                    web::FormConfig::default()
                        .limit(super::BODY_LIMIT)
                        .error_handler(choice_form_error),
                )
                .to(pay_form),
        )
        .route(SANDBOX_PAY, web::post().to(pay_json))
        .route("/sandbox/control", web::post().to(control));
}

#[utoipa::path(post, path = "/sandbox/control", tag = "sandbox", request_body = SandboxControl,
    security(("bearer" = [])),
    responses((status = 200, description = "what the sandbox will do now", body = SandboxControl),
        (status = 404, description = "`not_found`: the gateway is not the sandbox", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_body`", body = Problem, content_type = "application/problem+json"), Staff, JsonBody))]
/// Scripts the sandbox's next refund calls (admin only).
pub async fn control(
    state: web::Data<AppState>,
    admin: Admin,
    body: Body<SandboxControl>,
) -> AppResult<HttpResponse> {
    state.payments.ensure_sandbox()?;
    let control = state
        .sandbox
        .set_control(body.into_inner(), admin.0.id)
        .await?;
    Ok(HttpResponse::Ok().json(control))
}

/// The gateway's signed notification of a payment result (idempotent).
#[utoipa::path(post, path = "/api/v1/payments/notifications", tag = "payments",
    request_body(content = String, content_type = "application/json", description = "`{\"payment_id\": ..., \"result\": \"success\"|\"failure\"}`, signed"),
    params(("X-Bioskop-Signature" = String, Header, description = "hex HMAC-SHA256 of the body")),
    responses((status = 200, description = "applied (or already applied)", body = SettlementView),
        (status = 401, description = "`invalid_signature`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_body`", body = Problem, content_type = "application/problem+json"), Missing, Anyone, JsonBody))]
pub async fn notification(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let signature = req
        .headers()
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let settled = state.payments.notification(&body, signature).await?;
    Ok(HttpResponse::Ok().json(settled))
}

/// The sandbox checkout page, where the payer clicks pay or fail: for the
/// payment's owner, by the `token` of `redirect_url` or their session.
#[utoipa::path(get, path = "/sandbox/pay/{payment_id}", tag = "sandbox",
    params(("payment_id" = PaymentId, Path, description = "the payment"),
        ("token" = Option<String>, Query, description = "the payment's checkout token, as in its `redirect_url`; without it, the owner's session (bearer or cookie)")),
    security((), ("bearer" = [])),
    responses((status = 200, description = "the page", content_type = "text/html", body = String),
        (status = 401, description = "`unauthenticated`: neither a `token` nor a valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such payment, not the caller's, a `token` that is not this payment's, or the gateway is not the sandbox", body = Problem, content_type = "application/problem+json"),
        Anyone))]
pub async fn checkout_page(
    state: web::Data<AppState>,
    payment_id: web::Path<PaymentId>,
    SandboxPayer(payer): SandboxPayer,
) -> AppResult<HttpResponse> {
    let html = state.payments.sandbox_checkout(&payment_id, &payer).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html))
}

#[utoipa::path(post, path = "/sandbox/pay/{payment_id}", tag = "sandbox",
    params(("payment_id" = PaymentId, Path, description = "the payment"),
        ("token" = Option<String>, Query, description = "the payment's checkout token, as in its `redirect_url` (the page's form sends it); without it, the owner's bearer token (or session cookie with its `X-CSRF-Token`)")),
    security((), ("bearer" = [])),
    request_body(content(
        (PayerChoice = "application/x-www-form-urlencoded"),
        (PayerChoice = "application/json"),
    )),
    responses(
        (status = 200, description = "applied: a page for the form, JSON otherwise", content(
            (String = "text/html"),
            (SettlementView = "application/json"),
        )),
        (status = 401, description = "`unauthenticated`: neither a `token` nor a valid bearer token; nothing changes", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: no such payment, not the caller's, a `token` that is not this payment's, or the gateway is not the sandbox; nothing changes", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_body`", body = Problem, content_type = "application/problem+json"), Anyone, JsonBody))]
/// The payer's choice from the checkout page's form: answered with a page.
/// Only the payment's owner may settle it, and without the sandbox gateway
/// the path does not exist (404), whatever the form says: the form's own
/// error waits until both are known.
pub async fn pay_form(
    state: web::Data<AppState>,
    payment_id: web::Path<PaymentId>,
    SandboxPayer(payer): SandboxPayer,
    choice: Result<web::Form<PayerChoice>, actix_web::Error>,
) -> actix_web::Result<HttpResponse> {
    let settled = state
        .payments
        .sandbox_pay(&payment_id, &payer, choice.map(web::Form::into_inner))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(crate::payments::sandbox::result_html(&settled)))
}

/// The payer's choice as JSON (API clients, whatever the content type).
async fn pay_json(
    state: web::Data<AppState>,
    payment_id: web::Path<PaymentId>,
    SandboxPayer(payer): SandboxPayer,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let settled = state
        .payments
        .sandbox_pay(&payment_id, &payer, PayerChoice::from_json(&body))
        .await?;
    Ok(HttpResponse::Ok().json(settled))
}

/// A form that is not a choice answers as it always did: 422 `invalid_body`;
/// a body over the limit, like any other raw body that is too large.
fn choice_form_error(error: UrlencodedError, _: &HttpRequest) -> actix_web::Error {
    match error {
        UrlencodedError::Overflow { .. } => PayloadError::Overflow.into(),
        UrlencodedError::Payload(e) => e.into(),
        _ => PayerChoice::invalid_form().into(),
    }
}
