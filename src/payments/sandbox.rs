//! The sandbox gateway's checkout, as the payer sees it: the page with the
//! pay and fail buttons, the choice it sends back (a form, or JSON from API
//! clients) and the page that answers it.
//!
//! Only the payment's owner may see or settle it: with their session (a
//! bearer token from API clients, the session cookie from the browser), or
//! with the checkout token signed into `redirect_url` (the page's own form
//! posts with it and no CSRF header, so the cookie does not count there).

use hmac::{Hmac, KeyInit, Mac};
use rusqlite::{OptionalExtension, params};
use serde::Deserialize;
use sha2::Sha256;

use super::{CheckoutPage, Payments, SettlementView};
use crate::{
    error::{AppError, AppResult},
    html::escape,
    ids::{PaymentId, UserId},
    status::PaymentStatus,
};

/// What a checkout token signs, before the payment id. A notification is
/// signed over its raw JSON body, which never starts with this: neither
/// signature passes for the other.
const CHECKOUT_DOMAIN: &[u8] = b"sandbox-checkout:";

fn checkout_mac(secret: &[u8], payment_id: &PaymentId) -> Hmac<Sha256> {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(CHECKOUT_DOMAIN);
    mac.update(payment_id.to_string().as_bytes());
    mac
}

/// The token that opens a payment's checkout page: hex HMAC-SHA256 under
/// `secret` (the webhook secret) of `sandbox-checkout:{payment_id}`.
pub fn checkout_token(secret: &[u8], payment_id: &PaymentId) -> String {
    hex::encode(checkout_mac(secret, payment_id).finalize().into_bytes())
}

/// Whether `token` is the checkout token of this payment (constant time).
pub fn verify_checkout_token(secret: &[u8], payment_id: &PaymentId, token: &str) -> bool {
    match hex::decode(token.trim()) {
        Ok(tag) => checkout_mac(secret, payment_id).verify_slice(&tag).is_ok(),
        Err(_) => false,
    }
}

/// Who asks to see or settle a sandbox payment: the checkout token of its
/// page and the logged-in user, either of them possibly missing.
#[derive(Debug, Clone, Default)]
pub struct Payer {
    pub token: Option<String>,
    pub user: Option<UserId>,
}

impl Payments {
    /// Lets the payment's owner through: its checkout token, or the session
    /// of the user whose booking it pays. Nothing at all: 401. Anyone or
    /// anything else: 404, as if the payment did not exist.
    pub(super) async fn authorize_payer(
        &self,
        payment_id: &PaymentId,
        payer: &Payer,
    ) -> AppResult<()> {
        if payer.token.is_none() && payer.user.is_none() {
            return Err(AppError::Unauthenticated);
        }
        if let Some(token) = &payer.token
            && verify_checkout_token(&self.webhook_secret, payment_id, token)
        {
            return Ok(());
        }
        if let Some(user) = payer.user {
            let id = payment_id.to_string();
            let owner = self
                .parts
                .store
                .read(move |conn| {
                    Ok(conn
                        .prepare_cached(query!("payments/payment_owner"))?
                        .query_row(params![id], |r| r.get::<_, UserId>(0))
                        .optional()?)
                })
                .await?;
            if owner == Some(user) {
                return Ok(());
            }
        }
        Err(AppError::NotFound("payment"))
    }
}

/// A payment result, from the payer (sandbox) or the gateway (notification).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    pub fn succeeded(self) -> bool {
        self == Outcome::Success
    }
}

/// The payer's choice on the checkout page.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct PayerChoice {
    pub result: Outcome,
}

impl PayerChoice {
    /// The choice sent as JSON by an API client.
    pub fn from_json(body: &[u8]) -> AppResult<PayerChoice> {
        serde_json::from_slice(body).map_err(|e| {
            AppError::validation(
                "invalid_body",
                format!("send {{\"result\": \"success\"|\"failure\"}}: {e}"),
            )
        })
    }

    /// The answer to a form that does not say success or failure.
    pub fn invalid_form() -> AppError {
        AppError::validation("invalid_body", "result must be success or failure")
    }
}

/// The page's `<head>`: its texts come from the web front end's catalogues
/// (`/web/sandbox.js` fills every `data-i18n` element in the reader's
/// language and formats the amounts and times in the cinema's zone).
const HEAD: &str = r#"<meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<script type="module" src="/web/sandbox.js"></script>"#;

/// The checkout page: what is paid for, and the two buttons while pending.
/// The forms post back to this page with its checkout `token`, so the choice
/// is accepted without a bearer. Its texts are keys of the catalogues
/// (`data-i18n`); the data (names, amount, times) are marked `translate="no"`.
pub fn checkout_html(page: &CheckoutPage, token: &str) -> String {
    let amount = format!(
        r#"data-amount="{}" data-currency="{}""#,
        page.amount,
        escape(&page.currency)
    );
    let actions = if page.status == PaymentStatus::Pending {
        format!(
            r#"<form method="post" action="?token={token}"><input type="hidden" name="result" value="success"><button data-action="pay" data-i18n="sandbox.pay" {amount}></button></form>
<form method="post" action="?token={token}"><input type="hidden" name="result" value="failure"><button data-action="fail" data-i18n="sandbox.fail"></button></form>"#,
            token = escape(token),
        )
    } else {
        format!(
            r#"<p data-payment-status="{status}"><span data-i18n="sandbox.status"></span> <strong data-i18n="status.{status}"></strong></p>"#,
            status = escape(page.status.as_str())
        )
    };
    let zone = escape(&page.timezone);
    format!(
        r#"<!doctype html><html lang="id"><head>{HEAD}
<title data-i18n="sandbox.title"></title><link rel="stylesheet" href="/web/sandbox.css"></head><body>
<h1 data-i18n="sandbox.heading"></h1><p data-i18n="sandbox.note"></p>
<dl><dt data-i18n="sandbox.movie"></dt><dd translate="no">{movie}</dd><dt data-i18n="sandbox.cinema"></dt><dd translate="no">{cinema}</dd>
<dt data-i18n="sandbox.starts"></dt><dd translate="no" data-when="{starts}" data-timezone="{zone}">{starts}</dd>
<dt data-i18n="sandbox.amount"></dt><dd translate="no" data-money {amount}>{amount_text} {currency}</dd>
<dt data-i18n="sandbox.expires"></dt><dd translate="no" data-when="{expires}" data-timezone="{zone}">{expires}</dd>
<dt data-i18n="sandbox.booking"></dt><dd translate="no">{booking}</dd></dl>
{actions}</body></html>"#,
        movie = escape(&page.movie_title),
        cinema = escape(&page.cinema),
        starts = escape(&page.starts_at),
        amount_text = page.amount,
        currency = escape(&page.currency),
        expires = escape(&page.expires_at),
        booking = escape(&page.booking_id),
    )
}

/// The page a payer who used the checkout form lands on: it sends them back
/// to their booking's page after two seconds (or at once, by its link). Its
/// outcome is `data-outcome` (`paid`, `failed`, …), told in the reader's
/// language by the catalogues.
pub fn result_html(settled: &SettlementView) -> String {
    let outcome = match serde_json::to_value(&settled.settlement) {
        Ok(value) => value
            .get("outcome")
            .and_then(|o| o.as_str())
            .map(String::from)
            .unwrap_or_default(),
        Err(error) => {
            tracing::error!(%error, "serializing a settlement for the result page");
            String::new()
        }
    };
    format!(
        r#"<!doctype html><html lang="id"><head>{HEAD}<meta http-equiv="refresh" content="2;url=/#/bookings/{booking}"><title data-i18n="sandbox.result" data-outcome="{outcome}"></title>
<link rel="stylesheet" href="/web/sandbox.css"></head><body><h1 data-i18n="sandbox.result" data-outcome="{outcome}"></h1>
<p><span data-i18n="sandbox.booking"></span> <span translate="no">{booking}</span></p><p><a href="/#/bookings/{booking}"><span data-i18n="sandbox.back"></span></a></p></body></html>"#,
        outcome = escape(&outcome),
        booking = escape(&settled.booking_id),
    )
}
