//! The gateway's notification webhook and the built-in sandbox checkout.

use actix_web::{HttpRequest, HttpResponse, http::header, web};
use serde::Deserialize;

use super::auth::Admin;
use crate::{
    error::{AppError, AppResult},
    html::escape,
    payments::SettlementView,
    payments::gateway::SandboxControl,
    state::AppState,
};

/// Header carrying the hex HMAC-SHA256 of the notification body.
pub const SIGNATURE_HEADER: &str = "X-Bioskop-Signature";

pub fn api_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/payments/notifications", web::post().to(notification));
}

pub fn sandbox_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/sandbox/pay/{payment_id}", web::get().to(checkout_page))
        .route("/sandbox/pay/{payment_id}", web::post().to(pay))
        .route("/sandbox/control", web::post().to(control));
}

/// Scripts the sandbox's next refund calls (admin only).
async fn control(
    state: web::Data<AppState>,
    _admin: Admin,
    body: web::Json<SandboxControl>,
) -> AppResult<HttpResponse> {
    ensure_sandbox(&state)?;
    Ok(HttpResponse::Ok().json(state.sandbox.set_control(body.into_inner())))
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum Outcome {
    Success,
    Failure,
}

#[derive(Deserialize)]
struct Notification {
    payment_id: String,
    result: Outcome,
}

async fn notification(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    let signature = req
        .headers()
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !state.payments.verify(&body, signature) {
        return Err(AppError::InvalidSignature);
    }
    let note: Notification = serde_json::from_slice(&body).map_err(|e| {
        if e.is_data() {
            AppError::validation("invalid_body", format!("not a payment notification: {e}"))
        } else {
            AppError::BadRequest {
                code: "malformed_json",
                detail: format!("the body is not valid JSON: {e}"),
            }
        }
    })?;
    let settled = state
        .payments
        .settle(&note.payment_id, matches!(note.result, Outcome::Success))
        .await?;
    Ok(HttpResponse::Ok().json(settled))
}

fn ensure_sandbox(state: &AppState) -> AppResult<()> {
    if state.payments.is_sandbox() {
        Ok(())
    } else {
        Err(AppError::NotFound("sandbox gateway"))
    }
}

async fn checkout_page(
    state: web::Data<AppState>,
    payment_id: web::Path<String>,
) -> AppResult<HttpResponse> {
    ensure_sandbox(&state)?;
    let page = state.payments.checkout_page(&payment_id).await?;
    let actions = if page.status == "pending" {
        format!(
            r#"<form method="post"><input type="hidden" name="result" value="success"><button>Pay {amount} {currency}</button></form>
<form method="post"><input type="hidden" name="result" value="failure"><button>Fail the payment</button></form>"#,
            amount = page.amount,
            currency = escape(&page.currency),
        )
    } else {
        format!(
            "<p>This payment is <strong>{}</strong>.</p>",
            escape(&page.status)
        )
    };
    let html = format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Bioskop sandbox payment</title></head><body style="font-family:sans-serif;max-width:32rem;margin:2rem auto">
<h1>Sandbox payment</h1><p>No real money moves here.</p>
<dl><dt>Movie</dt><dd>{movie}</dd><dt>Cinema</dt><dd>{cinema}</dd><dt>Starts</dt><dd>{starts}</dd>
<dt>Amount</dt><dd>{amount} {currency}</dd><dt>Pay before</dt><dd>{expires}</dd><dt>Booking</dt><dd>{booking}</dd></dl>
{actions}</body></html>"#,
        movie = escape(&page.movie_title),
        cinema = escape(&page.cinema),
        starts = escape(&page.starts_at),
        amount = page.amount,
        currency = escape(&page.currency),
        expires = escape(&page.expires_at),
        booking = escape(&page.booking_id),
    );
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html))
}

#[derive(Deserialize)]
struct PayerChoice {
    result: Outcome,
}

/// The payer's choice, as JSON (API clients) or a form (the checkout page).
async fn pay(
    state: web::Data<AppState>,
    req: HttpRequest,
    payment_id: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    ensure_sandbox(&state)?;
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let choice: PayerChoice = if is_form {
        serde_urlencoded_choice(&body)?
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            AppError::validation(
                "invalid_body",
                format!("send {{\"result\": \"success\"|\"failure\"}}: {e}"),
            )
        })?
    };
    let settled = state
        .payments
        .settle(&payment_id, matches!(choice.result, Outcome::Success))
        .await?;
    if is_form {
        return Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(result_page(&settled)));
    }
    Ok(HttpResponse::Ok().json(settled))
}

fn serde_urlencoded_choice(body: &[u8]) -> AppResult<PayerChoice> {
    let text = std::str::from_utf8(body).unwrap_or_default();
    let result = text
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == "result")
        .map(|(_, v)| v);
    match result {
        Some("success") => Ok(PayerChoice {
            result: Outcome::Success,
        }),
        Some("failure") => Ok(PayerChoice {
            result: Outcome::Failure,
        }),
        _ => Err(AppError::validation(
            "invalid_body",
            "result must be success or failure",
        )),
    }
}

fn result_page(settled: &SettlementView) -> String {
    let outcome = serde_json::to_value(&settled.settlement)
        .ok()
        .and_then(|v| v.get("outcome").and_then(|o| o.as_str()).map(String::from))
        .unwrap_or_default();
    format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Payment {outcome}</title></head>
<body style="font-family:sans-serif;max-width:32rem;margin:2rem auto"><h1>Payment: {outcome}</h1>
<p>Booking {booking}.</p><p><a href="/#/bookings/{booking}">Back to Bioskop</a></p></body></html>"#,
        outcome = escape(&outcome.replace('_', " ")),
        booking = escape(&settled.booking_id),
    )
}
