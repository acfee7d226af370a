//! The HTTP side of Midtrans: Snap to open a payment, the Core API to ask a
//! transaction's status, expire, approve, deny and refund it.
//!
//! Every call has a connect and a whole-request timeout and follows no
//! redirect. Nothing here retries: creating a Snap transaction twice could
//! open two transactions for one payment, and the callers of the other calls
//! (the reconciler, the refund queue) own their retries and back-off.
//!
//! The Core API reports most errors in the body's `status_code` with HTTP
//! 200 (docs.midtrans.com/reference/get-transaction-status, refund-transaction),
//! while Snap uses real HTTP statuses; [`Answer::code`] reads both.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{config::MidtransSettings, error::AppError};

/// Why a call did not get an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// No connection, a broken one, or an answer that is not Midtrans JSON.
    Unavailable(String),
    /// No answer within the request timeout: the call may or may not have
    /// taken effect.
    Timeout,
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Unavailable(why) => write!(f, "Midtrans is unavailable: {why}"),
            CallError::Timeout => write!(f, "Midtrans did not answer in time"),
        }
    }
}

/// A call that got no answer, as the customer or admin who made it sees it.
impl From<CallError> for AppError {
    fn from(error: CallError) -> AppError {
        match error {
            CallError::Timeout => AppError::GatewayTimeout,
            CallError::Unavailable(why) => AppError::GatewayUnavailable(why),
        }
    }
}

/// An answer: the HTTP status and the JSON body (Null when not JSON).
#[derive(Debug, Clone)]
pub struct Answer {
    pub http: StatusCode,
    pub body: Value,
}

impl Answer {
    /// The status that counts: the body's `status_code` when there is one
    /// (the Core API answers HTTP 200 with `"status_code": "404"`), else the
    /// HTTP status.
    pub fn code(&self) -> u16 {
        self.body_code().unwrap_or(self.http.as_u16())
    }

    /// The body's own `status_code`, when it has one.
    pub fn body_code(&self) -> Option<u16> {
        self.body.get("status_code").and_then(|c| match c {
            Value::String(s) => s.trim().parse().ok(),
            Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
            _ => None,
        })
    }

    /// Midtrans' own words about the answer, for logs and admins.
    pub fn message(&self) -> String {
        if let Some(message) = self.body.get("status_message").and_then(Value::as_str) {
            return message.to_string();
        }
        if let Some(messages) = self.body.get("error_messages").and_then(Value::as_array) {
            return messages
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("; ");
        }
        format!("HTTP {}", self.http.as_u16())
    }

    fn text(&self, field: &str) -> Option<String> {
        self.body
            .get(field)
            .and_then(Value::as_str)
            .map(|s| s.trim().to_string())
    }

    /// The transaction as a status (or approve, deny, expire) answer tells it.
    pub fn transaction(&self) -> Transaction {
        Transaction {
            code: self.code(),
            body_code: self.body_code(),
            transaction_status: self.text("transaction_status").map(|s| s.to_lowercase()),
            fraud_status: self.text("fraud_status").map(|s| s.to_lowercase()),
            gross_amount: self.text("gross_amount"),
            currency: self.text("currency"),
            payment_type: self.text("payment_type"),
            message: self.message(),
        }
    }
}

/// What Midtrans says about one transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transaction {
    pub code: u16,
    /// The body's `status_code`: Midtrans' "404 Transaction doesn't exist"
    /// is one, an HTTP 404 from something else in the way is not.
    pub body_code: Option<u16>,
    pub transaction_status: Option<String>,
    pub fraud_status: Option<String>,
    pub gross_amount: Option<String>,
    pub currency: Option<String>,
    pub payment_type: Option<String>,
    pub message: String,
}

/// A Snap transaction to open (docs.midtrans.com/reference/backend-integration).
#[derive(Debug, Clone, Serialize)]
pub struct SnapRequest {
    pub transaction_details: TransactionDetails,
    pub item_details: Vec<ItemDetail>,
    pub customer_details: CustomerDetails,
    pub expiry: Expiry,
    pub callbacks: Callbacks,
}

#[derive(Debug, Clone, Serialize)]
pub struct TransactionDetails {
    pub order_id: String,
    pub gross_amount: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemDetail {
    pub id: String,
    pub price: i64,
    pub quantity: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CustomerDetails {
    pub first_name: String,
    pub email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// When the payer's chance to pay ends: `start_time` as
/// `yyyy-MM-dd HH:mm:ss Z`, then `duration` `unit`s.
#[derive(Debug, Clone, Serialize)]
pub struct Expiry {
    pub start_time: String,
    pub unit: &'static str,
    pub duration: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Callbacks {
    pub finish: String,
}

/// Snap's answer to a created transaction.
#[derive(Debug, Clone, Deserialize)]
pub struct SnapTransaction {
    pub token: String,
    pub redirect_url: String,
}

/// Why Snap did not open a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapError {
    Call(CallError),
    /// Snap answered, but not with a transaction.
    Refused {
        code: u16,
        message: String,
    },
}

#[derive(Debug, Clone, Serialize)]
struct RefundBody<'a> {
    refund_key: &'a str,
    amount: i64,
    reason: &'a str,
}

/// The Midtrans HTTP client, with the server key it signs in with.
#[derive(Clone)]
pub struct MidtransClient {
    http: reqwest::Client,
    api: String,
    snap: String,
    server_key: SecretString,
}

impl MidtransClient {
    pub fn new(settings: &MidtransSettings) -> anyhow::Result<MidtransClient> {
        let http = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("bioskop/", env!("CARGO_PKG_VERSION")))
            .pool_idle_timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(8)
            .build()?;
        Ok(MidtransClient {
            http,
            api: settings.api_base(),
            snap: settings.snap_base(),
            server_key: settings.server_key.clone(),
        })
    }

    /// The server key, for checking notification signatures.
    pub fn server_key(&self) -> &SecretString {
        &self.server_key
    }

    async fn call(
        &self,
        method: Method,
        url: String,
        body: Option<Value>,
    ) -> Result<Answer, CallError> {
        let mut request = self
            .http
            .request(method, url)
            .basic_auth(self.server_key.expose_secret(), Some(""))
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(transport)?;
        let http = response.status();
        let bytes = response.bytes().await.map_err(transport)?;
        // Midtrans always answers JSON: anything else (a proxy's error page,
        // a wrong URL) tells nothing about the transaction.
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(body) if body.is_object() => Ok(Answer { http, body }),
            _ => Err(CallError::Unavailable(format!(
                "HTTP {} without a Midtrans answer",
                http.as_u16()
            ))),
        }
    }

    /// Opens a Snap transaction (`POST /snap/v1/transactions`): never retried.
    pub async fn create(&self, request: &SnapRequest) -> Result<SnapTransaction, SnapError> {
        let body = serde_json::to_value(request)
            .map_err(|e| SnapError::Call(CallError::Unavailable(e.to_string())))?;
        let answer = self
            .call(
                Method::POST,
                format!("{}/snap/v1/transactions", self.snap),
                Some(body),
            )
            .await
            .map_err(SnapError::Call)?;
        if answer.http.is_success()
            && let Ok(created) = serde_json::from_value::<SnapTransaction>(answer.body.clone())
        {
            return Ok(created);
        }
        Err(SnapError::Refused {
            code: answer.http.as_u16(),
            message: answer.message(),
        })
    }

    /// `GET /v2/{order_id}/status`.
    pub async fn status(&self, order_id: &str) -> Result<Answer, CallError> {
        self.call(Method::GET, self.order_url(order_id, "status"), None)
            .await
    }

    /// `POST /v2/{order_id}/expire`: the payer can no longer pay it.
    pub async fn expire(&self, order_id: &str) -> Result<Answer, CallError> {
        self.call(Method::POST, self.order_url(order_id, "expire"), None)
            .await
    }

    /// `POST /v2/{order_id}/approve`: a challenged card payment is accepted.
    pub async fn approve(&self, order_id: &str) -> Result<Answer, CallError> {
        self.call(Method::POST, self.order_url(order_id, "approve"), None)
            .await
    }

    /// `POST /v2/{order_id}/cancel`: a card payment captured but not yet
    /// settled is given back this way (a refund needs a settled one).
    pub async fn cancel(&self, order_id: &str) -> Result<Answer, CallError> {
        self.call(Method::POST, self.order_url(order_id, "cancel"), None)
            .await
    }

    /// `POST /v2/{order_id}/deny`: a challenged card payment is refused.
    pub async fn deny(&self, order_id: &str) -> Result<Answer, CallError> {
        self.call(Method::POST, self.order_url(order_id, "deny"), None)
            .await
    }

    /// `POST /v2/{order_id}/refund`; the same `refund_key` asks for the same refund.
    pub async fn refund(
        &self,
        order_id: &str,
        refund_key: &str,
        amount: i64,
        reason: &str,
    ) -> Result<Answer, CallError> {
        let body = serde_json::to_value(RefundBody {
            refund_key,
            amount,
            reason,
        })
        .map_err(|e| CallError::Unavailable(e.to_string()))?;
        self.call(Method::POST, self.order_url(order_id, "refund"), Some(body))
            .await
    }

    fn order_url(&self, order_id: &str, action: &str) -> String {
        // Order ids are ours (uuids), but a path segment is escaped all the same.
        let order: String = order_id
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '~' | '.'))
            .collect();
        format!("{}/v2/{order}/{action}", self.api)
    }
}

fn transport(error: reqwest::Error) -> CallError {
    if error.is_timeout() {
        CallError::Timeout
    } else {
        // The error names the URL and the cause, never the headers (the key).
        CallError::Unavailable(error.without_url().to_string())
    }
}
