//! Refunds through Midtrans' refund API, and what its answers mean for the
//! refund queue: paid, worth another attempt, or for a person to handle.

use futures_util::future::BoxFuture;
use serde_json::Value;

use super::client::{Answer, CallError, MidtransClient};
use crate::gateway::{PaymentGateway, RefundError, RefundRequest};

/// The refund side of Midtrans.
#[derive(Clone)]
pub struct MidtransRefunds {
    client: MidtransClient,
}

impl MidtransRefunds {
    pub fn new(client: MidtransClient) -> MidtransRefunds {
        MidtransRefunds { client }
    }
}

impl PaymentGateway for MidtransRefunds {
    fn refund(&self, request: RefundRequest) -> BoxFuture<'static, Result<String, RefundError>> {
        let client = self.client.clone();
        Box::pin(async move {
            let order = request.payment_id.to_string();
            let answer = client
                .refund(
                    &order,
                    &request.idempotency_key,
                    request.amount,
                    &request.reason,
                )
                .await
                .map_err(transient)?;
            match classify(&answer) {
                Refunded::Paid(reference) => Ok(reference),
                Refunded::Duplicate => {
                    // Asked before with this key: paid if Midtrans lists it.
                    let status = client.status(&order).await.map_err(transient)?;
                    match refund_listed(&status.body, &request.idempotency_key) {
                        Some(reference) => Ok(reference),
                        None => Err(RefundError::Transient(format!(
                            "Midtrans: refund key {} is a duplicate but no such refund is listed ({})",
                            request.idempotency_key,
                            answer.message()
                        ))),
                    }
                }
                Refunded::Retry(why) => Err(RefundError::Transient(why)),
                Refunded::Refused(why) if answer.code() == 412 => {
                    cancel_unsettled(&client, &order, why).await
                }
                Refunded::Refused(why) => Err(RefundError::Permanent(why)),
            }
        })
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Refunded {
    Paid(String),
    Duplicate,
    Retry(String),
    Refused(String),
}

/// A refund refused with 412 may be for a card payment captured but not yet
/// settled: that is given back with cancel (the whole amount, which is what
/// bioskop refunds). Anything else keeps Midtrans' refusal.
async fn cancel_unsettled(
    client: &MidtransClient,
    order: &str,
    refused: String,
) -> Result<String, RefundError> {
    let status = client.status(order).await.map_err(transient)?.transaction();
    if !matches!(
        status.transaction_status.as_deref(),
        Some("capture" | "authorize")
    ) {
        return Err(RefundError::Permanent(refused));
    }
    let cancelled = client.cancel(order).await.map_err(transient)?;
    let outcome = cancelled.transaction();
    match outcome.transaction_status.as_deref() {
        Some("cancel") => Ok(format!("midtrans-cancel-{order}")),
        _ if outcome.code >= 500 || outcome.code == 429 => Err(RefundError::Transient(format!(
            "Midtrans {}: {} (cancelling an unsettled card payment)",
            outcome.code, outcome.message
        ))),
        _ => Err(RefundError::Permanent(format!(
            "{refused}; cancelling the unsettled payment: Midtrans {}: {}",
            outcome.code, outcome.message
        ))),
    }
}

/// Reads a refund answer by the status that counts: the body's
/// `status_code` (the HTTP status can say 200 for a refusal). Only a body
/// that says so is a paid refund.
fn classify(answer: &Answer) -> Refunded {
    let Some(code) = answer.body_code() else {
        return Refunded::Retry(format!(
            "Midtrans answered HTTP {} without a status_code",
            answer.http.as_u16()
        ));
    };
    let words = format!("Midtrans {code}: {}", answer.message());
    match code {
        200 | 201 => Refunded::Paid(reference(&answer.body)),
        406 => Refunded::Duplicate,
        // A refusal of this refund for good: the payment type cannot be
        // refunded (virtual accounts, convenience stores), the transaction
        // is not settled or no longer exists, or the amount is refused.
        400 | 402 | 404 | 407 | 412 | 414 => Refunded::Refused(words),
        // Wrong keys, rate limits, Midtrans or the bank down: later.
        _ => Refunded::Retry(words),
    }
}

fn reference(body: &Value) -> String {
    match body.get("refund_chargeback_id") {
        Some(Value::Number(id)) => format!("midtrans-refund-{id}"),
        Some(Value::String(id)) => format!("midtrans-refund-{id}"),
        _ => body.get("refund_key").and_then(Value::as_str).map_or_else(
            || "midtrans-refund".to_string(),
            |k| format!("midtrans-refund-{k}"),
        ),
    }
}

/// The refund with this key in a status answer's `refunds` list.
fn refund_listed(body: &Value, refund_key: &str) -> Option<String> {
    body.get("refunds")?
        .as_array()?
        .iter()
        .find(|r| r.get("refund_key").and_then(Value::as_str) == Some(refund_key))
        .map(reference)
}

fn transient(error: CallError) -> RefundError {
    RefundError::Transient(error.to_string())
}

#[cfg(test)]
mod tests {
    use reqwest::StatusCode;
    use serde_json::json;

    use super::*;

    fn answer(http: u16, body: Value) -> Answer {
        Answer {
            http: StatusCode::from_u16(http).expect("status"),
            body,
        }
    }

    #[test]
    fn the_body_status_code_decides_even_when_http_says_200() {
        let paid = answer(
            200,
            json!({"status_code": "200", "refund_chargeback_id": 7, "refund_key": "k"}),
        );
        assert_eq!(classify(&paid), Refunded::Paid("midtrans-refund-7".into()));
        let refused = answer(
            200,
            json!({"status_code": "412", "status_message": "Merchant cannot modify the status of the transaction"}),
        );
        assert!(matches!(classify(&refused), Refunded::Refused(why) if why.contains("412")));
        assert_eq!(
            classify(&answer(200, json!({"status_code": "406"}))),
            Refunded::Duplicate
        );
    }

    #[test]
    fn outages_and_rate_limits_are_tried_again() {
        for (http, body) in [
            (503, json!({"error_messages": ["down"]})),
            (200, json!({})),
            (200, json!({"status_code": "500"})),
            (429, json!({})),
            (401, json!({"status_code": "401"})),
        ] {
            assert!(matches!(classify(&answer(http, body)), Refunded::Retry(_)));
        }
    }

    #[test]
    fn a_refund_already_made_with_the_key_is_found_in_the_status() {
        let status = json!({"refunds": [{"refund_key": "other"}, {"refund_key": "refund-p1", "refund_chargeback_id": 3}]});
        assert_eq!(
            refund_listed(&status, "refund-p1"),
            Some("midtrans-refund-3".into())
        );
        assert_eq!(refund_listed(&status, "refund-p2"), None);
    }
}
