//! The sandbox gateway's checkout, as the payer sees it: the page with the
//! pay and fail buttons, the choice it sends back (a form, or JSON from API
//! clients) and the page that answers it.

use serde::Deserialize;

use super::{CheckoutPage, SettlementView};
use crate::{
    error::{AppError, AppResult},
    html::escape,
    status::PaymentStatus,
};

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

/// The checkout page: what is paid for, and the two buttons while pending.
pub fn checkout_html(page: &CheckoutPage) -> String {
    let actions = if page.status == PaymentStatus::Pending {
        format!(
            r#"<form method="post"><input type="hidden" name="result" value="success"><button>Pay {amount} {currency}</button></form>
<form method="post"><input type="hidden" name="result" value="failure"><button>Fail the payment</button></form>"#,
            amount = page.amount,
            currency = escape(&page.currency),
        )
    } else {
        format!(
            "<p>This payment is <strong>{}</strong>.</p>",
            escape(page.status.as_str())
        )
    };
    format!(
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
    )
}

/// The page a payer who used the checkout form lands on.
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
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Payment {outcome}</title></head>
<body style="font-family:sans-serif;max-width:32rem;margin:2rem auto"><h1>Payment: {outcome}</h1>
<p>Booking {booking}.</p><p><a href="/#/bookings/{booking}">Back to Bioskop</a></p></body></html>"#,
        outcome = escape(&outcome.replace('_', " ")),
        booking = escape(&settled.booking_id),
    )
}
