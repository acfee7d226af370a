//! A stand-in for Midtrans (Snap + Core API transaction management) that the
//! tests can steer and break. It answers the way Midtrans' public documentation
//! says Midtrans answers; where the documentation is silent the choice is
//! marked `CHOSEN` below. The pages it follows:
//!
//! - Snap create, `POST /snap/v1/transactions`: HTTP 201 `{token, redirect_url}`,
//!   errors `{error_messages: [..]}` with a real HTTP status (400, 401, 500):
//!   <https://docs.midtrans.com/reference/backend-integration>; request objects
//!   (item_details must sum to gross_amount, `expiry.start_time` as
//!   `yyyy-MM-dd HH:mm:ss Z`, `unit` day/hour/minute):
//!   <https://docs.midtrans.com/reference/json-objects>.
//! - `GET /v2/{id}/status`, an unknown order is HTTP 200 with body
//!   `status_code "404"`, "Transaction doesn't exist.":
//!   <https://docs.midtrans.com/reference/get-transaction-status>; a Snap order
//!   has no transaction (404) until the customer picks a payment method:
//!   <https://docs.midtrans.com/docs/https-notification-webhooks>.
//! - `POST /v2/{id}/expire|approve|deny|cancel`, 412 "Merchant cannot modify the
//!   status of the transaction" in an HTTP 200 body:
//!   <https://docs.midtrans.com/reference/expire-transaction>,
//!   <https://docs.midtrans.com/reference/approve-transaction>,
//!   <https://docs.midtrans.com/reference/deny-transaction>,
//!   <https://docs.midtrans.com/reference/cancel-transaction>.
//! - `POST /v2/{id}/refund` (settlement only; credit_card, gopay, shopeepay,
//!   dana, ovo, qris, kredivo, akulaku; 412 / 414 / 406 in HTTP 200 bodies):
//!   <https://docs.midtrans.com/reference/refund-transaction>.
//! - Status codes: <https://docs.midtrans.com/reference/status-codes>,
//!   <https://docs.midtrans.com/reference/code-4xx>.
//! - Notifications, `signature_key = SHA512(order_id + status_code +
//!   gross_amount + server_key)`:
//!   <https://docs.midtrans.com/docs/https-notification-webhooks>.
//!
//! CHOSEN where the docs are silent: a duplicate Snap order_id answers HTTP
//! 406 with `error_messages` (the docs give code 406 "Duplicate order ID" but
//! no Snap example); an expired or cancelled order_id may be created again;
//! validation messages (item sum, expiry format) are this stand-in's words;
//! a refund retried with a used `refund_key` (and no other amount) replays
//! the first answer and pays nothing (`set_duplicate_refund_key_is_406` for
//! the other reading); a retry is recognised before the state check, so a
//! full refund retried after it closed the transaction is still answered;
//! unknown orders on expire/cancel/approve/deny/refund answer like status;
//! GET status of a `failure` carries status_code "202".
//!
//! The server runs on its own thread with its own actix System, so a slow
//! answer (`set_delay`) never blocks the test's runtime. Every request is
//! applied first and answered after the delay: a client that gives up early
//! still changed the state, as with a slow real gateway.
#![allow(dead_code)]

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
    thread::JoinHandle,
    time::Duration,
};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, dev::ServerHandle, http::Method, web};
use chrono::{DateTime, FixedOffset, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha512};

/// Payment types the refund API accepts (refund-transaction page).
const REFUNDABLE: [&str; 8] = [
    "credit_card",
    "gopay",
    "shopeepay",
    "dana",
    "ovo",
    "qris",
    "kredivo",
    "akulaku",
];

const CANNOT_MODIFY: &str = "Merchant cannot modify the status of the transaction";
const NOT_FOUND: &str = "Transaction doesn't exist.";

#[derive(Clone, Debug)]
struct Refund {
    id: u64,
    key: String,
    amount: i64,
    reason: String,
    created_at: String,
    /// The answer given, replayed for a retry with the same key.
    answer: Value,
}

#[derive(Clone, Debug)]
struct Order {
    request: Value,
    token: String,
    transaction_id: String,
    gross_amount: String,
    /// None while the customer has not picked a payment method on the Snap
    /// page: Midtrans has no transaction yet and answers 404.
    payment_type: Option<String>,
    transaction_status: String,
    fraud_status: Option<String>,
    transaction_time: String,
    settlement_time: Option<String>,
    refunds: Vec<Refund>,
}

#[derive(Clone, Debug)]
enum FaultKind {
    Http(u16),
    InBody(String),
}

#[derive(Clone, Debug)]
struct Fault {
    endpoint: String,
    remaining: usize,
    kind: FaultKind,
}

#[derive(Debug)]
struct State {
    server_key: String,
    base_url: String,
    orders: HashMap<String, Order>,
    calls: Vec<String>,
    delay: Duration,
    faults: Vec<Fault>,
    next_refund_id: u64,
    duplicate_refund_key_is_406: bool,
    core_errors_in_http_status: bool,
}

/// The stand-in. Dropping it stops the server.
pub struct MidtransStandIn {
    address: SocketAddr,
    state: Arc<Mutex<State>>,
    handle: Option<ServerHandle>,
    thread: Option<JoinHandle<()>>,
}

impl MidtransStandIn {
    /// Starts listening on 127.0.0.1 at a free port; requests must carry
    /// `server_key` as the Basic auth user (empty password).
    pub fn start(server_key: &str) -> MidtransStandIn {
        let state = Arc::new(Mutex::new(State {
            server_key: server_key.to_owned(),
            base_url: String::new(),
            orders: HashMap::new(),
            calls: Vec::new(),
            delay: Duration::ZERO,
            faults: Vec::new(),
            next_refund_id: 1,
            duplicate_refund_key_is_406: false,
            core_errors_in_http_status: false,
        }));
        let (tx, rx) = std::sync::mpsc::channel();
        let shared = state.clone();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let data = web::Data::from(shared);
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(data.clone())
                        .app_data(web::PayloadConfig::new(1 << 20))
                        .default_service(web::to(handle))
                })
                .workers(1)
                .disable_signals()
                .shutdown_timeout(0)
                .bind(("127.0.0.1", 0))
                .expect("bind the Midtrans stand-in");
                let address = *server.addrs().first().expect("a bound address");
                let server = server.run();
                tx.send((address, server.handle()))
                    .expect("report the address");
                let _ = server.await;
            });
        });
        let (address, handle) = rx.recv().expect("the stand-in starts");
        state.lock().unwrap().base_url = format!("http://{address}");
        MidtransStandIn {
            address,
            state,
            handle: Some(handle),
            thread: Some(thread),
        }
    }

    /// Base URL, used both as the Snap URL and as the Core API URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The body of the Snap request that created `order_id`.
    pub fn created(&self, order_id: &str) -> Option<Value> {
        self.lock().orders.get(order_id).map(|o| o.request.clone())
    }

    /// The Snap token given for `order_id`.
    pub fn token(&self, order_id: &str) -> Option<String> {
        self.lock().orders.get(order_id).map(|o| o.token.clone())
    }

    /// The customer picks a payment method on the Snap page without paying
    /// yet: from now on Midtrans knows a `pending` transaction. False when
    /// there is no such order or it is no longer payable.
    pub fn choose(&self, order_id: &str, payment_type: &str) -> bool {
        let mut state = self.lock();
        let Some(order) = state.orders.get_mut(order_id) else {
            return false;
        };
        if !payable(order) {
            return false;
        }
        order.payment_type = Some(payment_type.to_owned());
        order.transaction_status = "pending".to_owned();
        order.fraud_status = Some("accept".to_owned());
        true
    }

    /// The customer pays: `settlement`, or `capture` with fraud `accept` for
    /// `credit_card`. False when there is no such order or it can no longer
    /// be paid (cancelled, expired, already paid, past its Snap `expiry`).
    pub fn pay(&self, order_id: &str, payment_type: &str) -> bool {
        let mut state = self.lock();
        let Some(order) = state.orders.get_mut(order_id) else {
            return false;
        };
        if !payable(order) {
            return false;
        }
        order.payment_type = Some(payment_type.to_owned());
        order.fraud_status = Some("accept".to_owned());
        if payment_type == "credit_card" {
            order.transaction_status = "capture".to_owned();
        } else {
            order.transaction_status = "settlement".to_owned();
            order.settlement_time = Some(now());
        }
        true
    }

    /// A card payment that the fraud detection questions: `capture` with
    /// fraud `challenge`, waiting for approve or deny.
    pub fn challenge(&self, order_id: &str) -> bool {
        let mut state = self.lock();
        let Some(order) = state.orders.get_mut(order_id) else {
            return false;
        };
        if !payable(order) {
            return false;
        }
        order.payment_type = Some("credit_card".to_owned());
        order.transaction_status = "capture".to_owned();
        order.fraud_status = Some("challenge".to_owned());
        true
    }

    /// Forces a status (e.g. "settlement" after a card capture, "expire",
    /// "deny", "failure"). A Snap-only order gets `payment_type` "gopay".
    pub fn set_status(&self, order_id: &str, transaction_status: &str, fraud_status: Option<&str>) {
        let mut state = self.lock();
        let order = state.orders.get_mut(order_id).expect("a created order");
        if order.payment_type.is_none() {
            order.payment_type = Some("gopay".to_owned());
        }
        order.transaction_status = transaction_status.to_owned();
        order.fraud_status = fraud_status.map(str::to_owned);
        if transaction_status == "settlement" && order.settlement_time.is_none() {
            order.settlement_time = Some(now());
        }
    }

    /// Overrides the amount Midtrans reports (a tampered or mismatched order).
    pub fn set_gross_amount(&self, order_id: &str, gross_amount: &str) {
        let mut state = self.lock();
        let order = state.orders.get_mut(order_id).expect("a created order");
        order.gross_amount = gross_amount.to_owned();
    }

    /// The body Midtrans would POST to the notification URL now, signed with
    /// the server key.
    pub fn notification(&self, order_id: &str) -> Value {
        let state = self.lock();
        let order = state.orders.get(order_id).expect("a created order");
        notification_body(&state.server_key, order_id, order)
    }

    /// Money actually refunded: (refund_key, amount), once per refund.
    pub fn refunds(&self, order_id: &str) -> Vec<(String, i64)> {
        self.lock()
            .orders
            .get(order_id)
            .map(|o| {
                o.refunds
                    .iter()
                    .map(|r| (r.key.clone(), r.amount))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// How many requests had a path ending in `path_suffix` ("/expire",
    /// "/refund", "/status", "/snap/v1/transactions"), failed ones included.
    pub fn calls(&self, path_suffix: &str) -> usize {
        self.lock()
            .calls
            .iter()
            .filter(|path| path.ends_with(path_suffix))
            .count()
    }

    /// Every answer from now on comes this late (the request is applied at
    /// once; only the answer waits).
    pub fn set_delay(&self, delay: Duration) {
        self.lock().delay = delay;
    }

    /// The next `n` calls whose path ends in `endpoint` answer `http_status`
    /// with a Midtrans-like error body and change nothing.
    pub fn fail_next(&self, endpoint: &str, n: usize, http_status: u16) {
        self.lock().faults.push(Fault {
            endpoint: endpoint.to_owned(),
            remaining: n,
            kind: FaultKind::Http(http_status),
        });
    }

    /// The next `n` calls whose path ends in `endpoint` answer HTTP 200 with
    /// `status_code` (e.g. "500", "503") in the body and change nothing.
    pub fn fail_next_in_body(&self, endpoint: &str, n: usize, status_code: &str) {
        self.lock().faults.push(Fault {
            endpoint: endpoint.to_owned(),
            remaining: n,
            kind: FaultKind::InBody(status_code.to_owned()),
        });
    }

    /// CHOSEN (docs silent): a second refund with an already used key and
    /// the same amount replays the first answer (default), or, with `true`,
    /// answers 406 "Duplicate refund ID". Either way it pays once.
    pub fn set_duplicate_refund_key_is_406(&self, yes: bool) {
        self.lock().duplicate_refund_key_is_406 = yes;
    }

    /// The docs put Core API errors (404, 412, 414, 406) in HTTP 200 bodies;
    /// with `true` the HTTP status mirrors the body's status_code instead,
    /// to check that a client copes with both.
    pub fn set_core_errors_in_http_status(&self, yes: bool) {
        self.lock().core_errors_in_http_status = yes;
    }

    /// Stops listening: new connections are refused.
    pub fn stop(&mut self) {
        if let Some(handle) = self.handle.take() {
            // The command is sent when `stop` is called; the returned future
            // only waits for completion, which joining the thread does.
            drop(handle.stop(false));
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }
}

impl Drop for MidtransStandIn {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `hex(SHA512(order_id + status_code + gross_amount + server_key))`.
pub fn signature(
    order_id: &str,
    status_code: &str,
    gross_amount: &str,
    server_key: &str,
) -> String {
    let mut hasher = Sha512::new();
    hasher.update(order_id.as_bytes());
    hasher.update(status_code.as_bytes());
    hasher.update(gross_amount.as_bytes());
    hasher.update(server_key.as_bytes());
    hex::encode(hasher.finalize())
}

fn now() -> String {
    (Utc::now() + chrono::Duration::hours(7))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// Still open for payment: not yet paid or closed, and not past the Snap
/// request's `expiry` when that has a `start_time`.
fn payable(order: &Order) -> bool {
    let open = order.payment_type.is_none() || order.transaction_status == "pending";
    open && !past_expiry(&order.request)
}

fn expiry_deadline(request: &Value) -> Option<DateTime<FixedOffset>> {
    let expiry = request.get("expiry")?;
    let start = expiry.get("start_time")?.as_str()?;
    let start = DateTime::parse_from_str(start, "%Y-%m-%d %H:%M:%S %z").ok()?;
    let duration = expiry.get("duration")?.as_i64()?;
    let unit = expiry.get("unit")?.as_str()?;
    let seconds = match unit.trim_end_matches('s') {
        "day" => 86_400,
        "hour" => 3_600,
        "minute" => 60,
        _ => return None,
    };
    Some(start + chrono::Duration::seconds(duration * seconds))
}

fn past_expiry(request: &Value) -> bool {
    expiry_deadline(request).is_some_and(|deadline| Utc::now() > deadline.with_timezone(&Utc))
}

/// Body status_code for a transaction status in GET status (status-codes
/// page: 200 success incl. cancel, 201 pending, 202 denied; expire API
/// answers 407). CHOSEN: failure as 202.
fn status_code(transaction_status: &str) -> &'static str {
    match transaction_status {
        "pending" => "201",
        "deny" | "failure" => "202",
        "expire" => "407",
        _ => "200",
    }
}

/// In notifications the docs' samples carry 202 for expire and cancel.
fn notification_status_code(transaction_status: &str) -> &'static str {
    match transaction_status {
        "expire" | "cancel" => "202",
        other => status_code(other),
    }
}

fn rupiah(gross_amount: &str) -> i64 {
    gross_amount
        .split('.')
        .next()
        .and_then(|whole| whole.parse().ok())
        .unwrap_or(0)
}

fn refunded(order: &Order) -> i64 {
    order.refunds.iter().map(|r| r.amount).sum()
}

fn refund_fields(order: &Order, body: &mut Value) {
    if order.refunds.is_empty() {
        return;
    }
    body["refund_amount"] = json!(format!("{}.00", refunded(order)));
    body["refunds"] = Value::Array(
        order
            .refunds
            .iter()
            .map(|r| {
                json!({
                    "refund_chargeback_id": r.id,
                    "refund_amount": format!("{}.00", r.amount),
                    "created_at": r.created_at,
                    "reason": r.reason,
                    "refund_key": r.key,
                })
            })
            .collect(),
    );
}

fn transaction_body(order_id: &str, order: &Order, status_code: &str, message: &str) -> Value {
    let mut body = json!({
        "status_code": status_code,
        "status_message": message,
        "transaction_id": order.transaction_id,
        "order_id": order_id,
        "merchant_id": "G000000000",
        "payment_type": order.payment_type,
        "transaction_time": order.transaction_time,
        "transaction_status": order.transaction_status,
        "gross_amount": order.gross_amount,
        "currency": "IDR",
    });
    if let Some(fraud) = &order.fraud_status {
        body["fraud_status"] = json!(fraud);
    }
    if let Some(time) = &order.settlement_time {
        body["settlement_time"] = json!(time);
    }
    body
}

fn status_body(server_key: &str, order_id: &str, order: &Order) -> Value {
    let code = status_code(&order.transaction_status);
    let mut body = transaction_body(order_id, order, code, "Success, transaction is found");
    body["signature_key"] = json!(signature(order_id, code, &order.gross_amount, server_key));
    refund_fields(order, &mut body);
    body
}

fn notification_body(server_key: &str, order_id: &str, order: &Order) -> Value {
    let code = notification_status_code(&order.transaction_status);
    let mut body = transaction_body(order_id, order, code, "midtrans payment notification");
    body["signature_key"] = json!(signature(order_id, code, &order.gross_amount, server_key));
    refund_fields(order, &mut body);
    body
}

fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let bytes = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(bytes[0]) << 16) | (u32::from(bytes[1]) << 8) | u32::from(bytes[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// One answer: HTTP status and JSON body.
type Answer = (u16, Value);

fn snap_error(status: u16, messages: &[&str]) -> Answer {
    (status, json!({ "error_messages": messages }))
}

fn core_answer(state: &State, code: &str, message: &str) -> Answer {
    let http = if state.core_errors_in_http_status {
        code.parse().unwrap_or(200)
    } else {
        200
    };
    (
        http,
        json!({ "status_code": code, "status_message": message }),
    )
}

fn server_error_message(code: &str) -> &'static str {
    match code {
        "500" => "Internal Server Error",
        "501" => "The feature is not available",
        "502" => "Internal Server Error: Bank Connection Problem",
        "503" => "Bank/partner is experiencing connection issue.",
        "504" => "Internal Server Error: Fraud detection is unavailable",
        "429" => "API rate limit exceeded",
        "401" => "Transaction cannot be authorized with the current client/server key.",
        _ => "Error",
    }
}

async fn handle(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<Mutex<State>>,
) -> HttpResponse {
    let (delay, (status, answer)) = {
        let mut state = state.lock().unwrap();
        let path = request.path().to_owned();
        state.calls.push(path.clone());
        let answer = answer(&mut state, &request, &path, &body);
        (state.delay, answer)
    };
    if !delay.is_zero() {
        actix_web::rt::time::sleep(delay).await;
    }
    let status =
        actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::OK);
    if answer.is_string() {
        return HttpResponse::build(status)
            .content_type("text/html")
            .body(answer.as_str().unwrap_or_default().to_owned());
    }
    HttpResponse::build(status).json(answer)
}

fn answer(state: &mut State, request: &HttpRequest, path: &str, body: &[u8]) -> Answer {
    let snap = path == "/snap/v1/transactions";
    if request.method() == Method::GET && path.starts_with("/snap/v2/vtweb/") {
        return (
            200,
            json!("<html><body>Midtrans stand-in payment page</body></html>"),
        );
    }
    // Injected faults come first and change nothing.
    if let Some(fault) = state
        .faults
        .iter_mut()
        .find(|f| f.remaining > 0 && path.ends_with(f.endpoint.as_str()))
    {
        fault.remaining -= 1;
        let kind = fault.kind.clone();
        state.faults.retain(|f| f.remaining > 0);
        return match kind {
            FaultKind::Http(status) => {
                let message = server_error_message(&status.to_string());
                if snap {
                    snap_error(status, &[message])
                } else {
                    (
                        status,
                        json!({ "status_code": status.to_string(), "status_message": message }),
                    )
                }
            }
            FaultKind::InBody(code) => (
                200,
                json!({ "status_code": code, "status_message": server_error_message(&code) }),
            ),
        };
    }
    let expected = format!(
        "Basic {}",
        base64(format!("{}:", state.server_key).as_bytes())
    );
    let authorized = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == expected);
    if snap {
        if request.method() != Method::POST {
            return snap_error(405, &["HTTP method is not allowed"]);
        }
        if !authorized {
            return snap_error(
                401,
                &[
                    "Access denied due to unauthorized transaction, please check client or server key",
                    "Visit https://snap-docs.midtrans.com/#request-headers for more details",
                ],
            );
        }
        return create(state, body);
    }
    let Some(rest) = path.strip_prefix("/v2/") else {
        return core_answer(state, "404", "The requested resource is not found");
    };
    let Some((order_id, action)) = rest.rsplit_once('/') else {
        return core_answer(state, "404", "The requested resource is not found");
    };
    if !authorized {
        return (
            401,
            json!({
                "status_code": "401",
                "status_message": "Transaction cannot be authorized with the current client/server key.",
            }),
        );
    }
    let wanted = if action == "status" {
        Method::GET
    } else {
        Method::POST
    };
    if request.method() != wanted {
        return core_answer(state, "405", "HTTP method is not allowed");
    }
    let order_id = order_id.to_owned();
    // Midtrans knows the transaction only once a payment method was chosen.
    let known = state
        .orders
        .get(&order_id)
        .is_some_and(|o| o.payment_type.is_some());
    if !known {
        let mut answer = core_answer(state, "404", NOT_FOUND);
        answer.1["id"] = json!(uuid::Uuid::new_v4().to_string());
        return answer;
    }
    match action {
        "status" => {
            let order = state.orders.get(&order_id).expect("known");
            (200, status_body(&state.server_key, &order_id, order))
        }
        "expire" => transition(
            state,
            &order_id,
            &["pending"],
            "expire",
            None,
            "Success, transaction has expired",
        ),
        "cancel" => transition(
            state,
            &order_id,
            &["pending", "capture", "authorize"],
            "cancel",
            None,
            "Success, transaction is canceled",
        ),
        "approve" | "deny" => {
            let challenged = state.orders.get(&order_id).is_some_and(|o| {
                o.transaction_status == "capture" && o.fraud_status.as_deref() == Some("challenge")
            });
            if !challenged {
                return core_answer(state, "412", CANNOT_MODIFY);
            }
            if action == "approve" {
                transition(
                    state,
                    &order_id,
                    &["capture"],
                    "capture",
                    Some("accept"),
                    "Success, transaction is approved",
                )
            } else {
                transition(
                    state,
                    &order_id,
                    &["capture"],
                    "deny",
                    Some("deny"),
                    "Success, transaction is denied",
                )
            }
        }
        "refund" => refund(state, &order_id, body),
        _ => core_answer(state, "404", "The requested resource is not found"),
    }
}

fn transition(
    state: &mut State,
    order_id: &str,
    from: &[&str],
    to: &str,
    fraud: Option<&str>,
    message: &str,
) -> Answer {
    let allowed = state
        .orders
        .get(order_id)
        .is_some_and(|o| from.contains(&o.transaction_status.as_str()));
    if !allowed {
        return core_answer(state, "412", CANNOT_MODIFY);
    }
    let order = state.orders.get_mut(order_id).expect("known");
    order.transaction_status = to.to_owned();
    if let Some(fraud) = fraud {
        order.fraud_status = Some(fraud.to_owned());
    }
    // The expire API answers 407 on success (expire-transaction page).
    let code = if to == "expire" { "407" } else { "200" };
    (200, transaction_body(order_id, order, code, message))
}

fn refund(state: &mut State, order_id: &str, body: &[u8]) -> Answer {
    let request: Value = if body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(body) {
            Ok(value) => value,
            Err(_) => {
                return core_answer(
                    state,
                    "413",
                    "The request cannot be processed due to malformed syntax in the request body",
                );
            }
        }
    };
    let order = state.orders.get(order_id).expect("known").clone();
    let payment_type = order.payment_type.clone().unwrap_or_default();
    if !REFUNDABLE.contains(&payment_type.as_str()) {
        return core_answer(state, "412", CANNOT_MODIFY);
    }
    let key = request
        .get("refund_key")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let remaining = rupiah(&order.gross_amount) - refunded(&order);
    let requested = match request.get("amount") {
        None | Some(Value::Null) => None,
        Some(value) => match value.as_i64() {
            Some(amount) => Some(amount),
            None => {
                return core_answer(
                    state,
                    "414",
                    "Refund request is rejected due to invalid amount",
                );
            }
        },
    };
    let amount = requested.unwrap_or(remaining);
    if let Some(key) = &key
        && let Some(previous) = order.refunds.iter().find(|r| &r.key == key)
    {
        if requested.is_some_and(|a| a != previous.amount) || state.duplicate_refund_key_is_406 {
            return core_answer(state, "406", "Duplicate refund ID");
        }
        return (200, previous.answer.clone());
    }
    // Checked after the key, so that a retry of a refund that closed the
    // transaction still gets its answer.
    if !["settlement", "partial_refund"].contains(&order.transaction_status.as_str()) {
        return core_answer(state, "412", CANNOT_MODIFY);
    }
    if amount <= 0 || amount > remaining {
        return core_answer(
            state,
            "414",
            "Refund request is rejected due to invalid amount",
        );
    }
    let id = state.next_refund_id;
    state.next_refund_id += 1;
    let key = key.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let order = state.orders.get_mut(order_id).expect("known");
    order.transaction_status = if refunded(order) + amount == rupiah(&order.gross_amount) {
        "refund".to_owned()
    } else {
        "partial_refund".to_owned()
    };
    let mut answer = transaction_body(
        order_id,
        order,
        "200",
        "Success, refund request is approved",
    );
    answer["refund_chargeback_id"] = json!(id);
    answer["refund_amount"] = json!(format!("{amount}.00"));
    answer["refund_key"] = json!(key);
    order.refunds.push(Refund {
        id,
        key,
        amount,
        reason: request
            .get("reason")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        created_at: now(),
        answer: answer.clone(),
    });
    (200, answer)
}

fn valid_order_id(order_id: &str) -> bool {
    !order_id.is_empty()
        && order_id.len() <= 50
        && order_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_~.".contains(c))
}

fn create(state: &mut State, body: &[u8]) -> Answer {
    let Ok(request) = serde_json::from_slice::<Value>(body) else {
        return snap_error(400, &["There was a problem in the JSON you submitted"]);
    };
    let details = request.get("transaction_details");
    let Some(order_id) = details
        .and_then(|d| d.get("order_id"))
        .and_then(Value::as_str)
    else {
        return snap_error(400, &["transaction_details.order_id is required"]);
    };
    if !valid_order_id(order_id) {
        return snap_error(400, &["transaction_details.order_id is invalid"]);
    }
    let Some(gross) = details
        .and_then(|d| d.get("gross_amount"))
        .and_then(Value::as_i64)
    else {
        return snap_error(
            400,
            &["transaction_details.gross_amount is required and must be an integer"],
        );
    };
    if gross <= 0 {
        return snap_error(
            400,
            &["transaction_details.gross_amount must be greater than 0"],
        );
    }
    if let Some(items) = request.get("item_details") {
        let Some(items) = items.as_array() else {
            return snap_error(400, &["item_details must be an array"]);
        };
        let mut sum = 0;
        for item in items {
            let price = item.get("price").and_then(Value::as_i64);
            let quantity = item.get("quantity").and_then(Value::as_i64);
            let named = item
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| !n.is_empty() && n.len() <= 50);
            match (price, quantity) {
                (Some(price), Some(quantity)) if quantity >= 1 && named => sum += price * quantity,
                _ => {
                    return snap_error(
                        400,
                        &["item_details price, quantity (>= 1) and name are required"],
                    );
                }
            }
        }
        if sum != gross {
            return snap_error(
                400,
                &["transaction_details.gross_amount is not equal to the sum of item_details"],
            );
        }
    }
    if let Some(expiry) = request.get("expiry") {
        let unit_ok = expiry
            .get("unit")
            .and_then(Value::as_str)
            .is_some_and(|u| ["day", "hour", "minute"].contains(&u.trim_end_matches('s')));
        let duration_ok = expiry
            .get("duration")
            .and_then(Value::as_i64)
            .is_some_and(|d| d >= 1);
        let start_ok = match expiry.get("start_time") {
            None => true,
            Some(start) => start
                .as_str()
                .is_some_and(|s| DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S %z").is_ok()),
        };
        if !(unit_ok && duration_ok && start_ok) {
            return snap_error(
                400,
                &[
                    "expiry is invalid: start_time (yyyy-MM-dd HH:mm:ss Z), unit (day, hour, minute) and duration are required",
                ],
            );
        }
    }
    // An expired or cancelled order_id may be used again (expire page);
    // otherwise it is a duplicate (code 406 in the code-4xx table).
    if let Some(existing) = state.orders.get(order_id)
        && !["expire", "cancel"].contains(&existing.transaction_status.as_str())
    {
        return snap_error(
            406,
            &["Duplicate order ID. order_id has already been utilized previously."],
        );
    }
    let token = uuid::Uuid::new_v4().to_string();
    let redirect_url = format!("{}/snap/v2/vtweb/{token}", state.base_url);
    state.orders.insert(
        order_id.to_owned(),
        Order {
            request,
            token: token.clone(),
            transaction_id: uuid::Uuid::new_v4().to_string(),
            gross_amount: format!("{gross}.00"),
            payment_type: None,
            transaction_status: "pending".to_owned(),
            fraud_status: None,
            transaction_time: now(),
            settlement_time: None,
            refunds: Vec::new(),
        },
    );
    (201, json!({ "token": token, "redirect_url": redirect_url }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "SB-Mid-server-standin";

    fn client() -> reqwest::Client {
        reqwest::Client::new()
    }

    async fn create(standin: &MidtransStandIn, order_id: &str, gross: i64) -> reqwest::Response {
        client()
            .post(format!("{}/snap/v1/transactions", standin.url()))
            .basic_auth(KEY, Some(""))
            .header("Accept", "application/json")
            .json(&json!({
                "transaction_details": { "order_id": order_id, "gross_amount": gross },
                "item_details": [{ "id": "seat-A1", "price": gross, "quantity": 1, "name": "Seat A1" }],
                "expiry": { "unit": "minute", "duration": 15 },
                "callbacks": { "finish": "https://bioskop.example/finish" },
            }))
            .send()
            .await
            .unwrap()
    }

    async fn call(
        standin: &MidtransStandIn,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = client()
            .request(method, format!("{}{path}", standin.url()))
            .basic_auth(KEY, Some(""))
            .header("Accept", "application/json");
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    async fn status(standin: &MidtransStandIn, order_id: &str) -> (u16, Value) {
        call(
            standin,
            reqwest::Method::GET,
            &format!("/v2/{order_id}/status"),
            None,
        )
        .await
    }

    #[actix_web::test]
    async fn create_answers_a_token_and_status_follows_the_customer() {
        let standin = MidtransStandIn::start(KEY);
        let response = create(&standin, "order-1", 50_000).await;
        assert_eq!(response.status().as_u16(), 201);
        let body: Value = response.json().await.unwrap();
        let token = body["token"].as_str().unwrap();
        assert_eq!(
            body["redirect_url"],
            format!("{}/snap/v2/vtweb/{token}", standin.url())
        );
        assert_eq!(
            standin.created("order-1").unwrap()["transaction_details"]["gross_amount"],
            50_000
        );

        // No payment method picked yet: Midtrans has no transaction.
        let (http, body) = status(&standin, "order-1").await;
        assert_eq!((http, body["status_code"].as_str()), (200, Some("404")));

        assert!(standin.choose("order-1", "bank_transfer"));
        let (http, body) = status(&standin, "order-1").await;
        assert_eq!(http, 200);
        assert_eq!(body["status_code"], "201");
        assert_eq!(body["transaction_status"], "pending");
        assert_eq!(body["gross_amount"], "50000.00");

        assert!(standin.pay("order-1", "bank_transfer"));
        let (_, body) = status(&standin, "order-1").await;
        assert_eq!(body["status_code"], "200");
        assert_eq!(body["transaction_status"], "settlement");
        assert_eq!(body["fraud_status"], "accept");
        assert_eq!(standin.calls("/status"), 3);
        assert_eq!(standin.calls("/snap/v1/transactions"), 1);
    }

    #[actix_web::test]
    async fn create_checks_key_item_sum_and_duplicates() {
        let standin = MidtransStandIn::start(KEY);
        let response = client()
            .post(format!("{}/snap/v1/transactions", standin.url()))
            .basic_auth("wrong", Some(""))
            .json(&json!({ "transaction_details": { "order_id": "o", "gross_amount": 1 } }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 401);
        let body: Value = response.json().await.unwrap();
        assert!(
            body["error_messages"][0]
                .as_str()
                .unwrap()
                .starts_with("Access denied")
        );

        let response = client()
            .post(format!("{}/snap/v1/transactions", standin.url()))
            .basic_auth(KEY, Some(""))
            .json(&json!({
                "transaction_details": { "order_id": "o", "gross_amount": 10_000 },
                "item_details": [{ "id": "a", "price": 3_000, "quantity": 3, "name": "Seat" }],
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 400);
        assert!(standin.created("o").is_none());

        assert_eq!(create(&standin, "o", 10_000).await.status().as_u16(), 201);
        let duplicate = create(&standin, "o", 10_000).await;
        assert_eq!(duplicate.status().as_u16(), 406);
        let body: Value = duplicate.json().await.unwrap();
        assert!(body["error_messages"].is_array());
    }

    #[actix_web::test]
    async fn unknown_order_answers_midtrans_404_shape() {
        let standin = MidtransStandIn::start(KEY);
        let (http, body) = status(&standin, "nope").await;
        assert_eq!(http, 200);
        assert_eq!(body["status_code"], "404");
        assert_eq!(body["status_message"], "Transaction doesn't exist.");
        for action in ["expire", "cancel", "approve", "deny", "refund"] {
            let (http, body) = call(
                &standin,
                reqwest::Method::POST,
                &format!("/v2/nope/{action}"),
                None,
            )
            .await;
            assert_eq!(
                (http, body["status_code"].as_str()),
                (200, Some("404")),
                "{action}"
            );
        }
        standin.set_core_errors_in_http_status(true);
        let (http, body) = status(&standin, "nope").await;
        assert_eq!((http, body["status_code"].as_str()), (404, Some("404")));
    }

    #[actix_web::test]
    async fn expire_pending_then_412_once_closed() {
        let standin = MidtransStandIn::start(KEY);
        create(&standin, "order-x", 20_000).await;
        standin.choose("order-x", "gopay");
        let (http, body) = call(&standin, reqwest::Method::POST, "/v2/order-x/expire", None).await;
        assert_eq!(http, 200);
        assert_eq!(body["status_code"], "407");
        assert_eq!(body["transaction_status"], "expire");
        let (_, body) = call(&standin, reqwest::Method::POST, "/v2/order-x/expire", None).await;
        assert_eq!(body["status_code"], "412");
        assert_eq!(body["status_message"], CANNOT_MODIFY);
        assert!(
            !standin.pay("order-x", "gopay"),
            "an expired order cannot be paid"
        );
        assert_eq!(standin.calls("/expire"), 2);
    }

    #[actix_web::test]
    async fn challenge_is_approved_or_denied() {
        let standin = MidtransStandIn::start(KEY);
        create(&standin, "card-1", 30_000).await;
        create(&standin, "card-2", 30_000).await;
        standin.challenge("card-1");
        standin.challenge("card-2");
        let (_, body) = call(&standin, reqwest::Method::POST, "/v2/card-1/approve", None).await;
        assert_eq!(
            (
                body["transaction_status"].as_str(),
                body["fraud_status"].as_str()
            ),
            (Some("capture"), Some("accept"))
        );
        let (_, body) = call(&standin, reqwest::Method::POST, "/v2/card-1/approve", None).await;
        assert_eq!(body["status_code"], "412");
        let (_, body) = call(&standin, reqwest::Method::POST, "/v2/card-2/deny", None).await;
        assert_eq!(
            (
                body["transaction_status"].as_str(),
                body["fraud_status"].as_str()
            ),
            (Some("deny"), Some("deny"))
        );
    }

    #[actix_web::test]
    async fn refund_twice_with_the_same_key_pays_once() {
        let standin = MidtransStandIn::start(KEY);
        create(&standin, "paid", 40_000).await;
        standin.pay("paid", "gopay");
        let refund =
            json!({ "refund_key": "bioskop-r1", "amount": 15_000, "reason": "showtime cancelled" });
        let (http, first) = call(
            &standin,
            reqwest::Method::POST,
            "/v2/paid/refund",
            Some(refund.clone()),
        )
        .await;
        assert_eq!(http, 200);
        assert_eq!(first["status_code"], "200");
        assert_eq!(first["transaction_status"], "partial_refund");
        assert_eq!(first["refund_amount"], "15000.00");
        assert_eq!(first["refund_key"], "bioskop-r1");
        let (_, second) = call(
            &standin,
            reqwest::Method::POST,
            "/v2/paid/refund",
            Some(refund),
        )
        .await;
        assert_eq!(second, first);
        assert_eq!(
            standin.refunds("paid"),
            vec![("bioskop-r1".to_owned(), 15_000)]
        );

        // Same key, other amount: a duplicate refund ID.
        let other = json!({ "refund_key": "bioskop-r1", "amount": 1_000 });
        let (_, body) = call(
            &standin,
            reqwest::Method::POST,
            "/v2/paid/refund",
            Some(other),
        )
        .await;
        assert_eq!(body["status_code"], "406");
        // More than what is left: invalid amount.
        let (_, body) = call(
            &standin,
            reqwest::Method::POST,
            "/v2/paid/refund",
            Some(json!({ "refund_key": "r2", "amount": 30_000 })),
        )
        .await;
        assert_eq!(body["status_code"], "414");
        // The rest, with no amount: the whole remainder, status refund.
        let (_, body_r3) = call(
            &standin,
            reqwest::Method::POST,
            "/v2/paid/refund",
            Some(json!({ "refund_key": "r3" })),
        )
        .await;
        assert_eq!(body_r3["transaction_status"], "refund");
        assert_eq!(standin.refunds("paid").len(), 2);
        let (_, body) = status(&standin, "paid").await;
        assert_eq!(body["refund_amount"], "40000.00");
        assert_eq!(standin.calls("/refund"), 5);

        // A retry of the refund that closed the transaction still gets its answer.
        let (_, retry) = call(
            &standin,
            reqwest::Method::POST,
            "/v2/paid/refund",
            Some(json!({ "refund_key": "r3" })),
        )
        .await;
        assert_eq!(retry, body_r3);
        assert_eq!(standin.refunds("paid").len(), 2);

        standin.set_duplicate_refund_key_is_406(true);
        let (_, body) = call(
            &standin,
            reqwest::Method::POST,
            "/v2/paid/refund",
            Some(json!({ "refund_key": "r3", "amount": 25_000 })),
        )
        .await;
        assert_eq!(body["status_code"], "406");
    }

    #[actix_web::test]
    async fn virtual_account_and_unsettled_payments_cannot_be_refunded() {
        let standin = MidtransStandIn::start(KEY);
        create(&standin, "va", 10_000).await;
        standin.pay("va", "bank_transfer");
        let (http, body) = call(
            &standin,
            reqwest::Method::POST,
            "/v2/va/refund",
            Some(json!({ "refund_key": "k" })),
        )
        .await;
        assert_eq!((http, body["status_code"].as_str()), (200, Some("412")));
        create(&standin, "card", 10_000).await;
        standin.pay("card", "credit_card");
        let (_, body) = call(
            &standin,
            reqwest::Method::POST,
            "/v2/card/refund",
            Some(json!({ "refund_key": "k" })),
        )
        .await;
        assert_eq!(
            body["status_code"], "412",
            "a capture is cancelled, not refunded"
        );
        assert!(standin.refunds("va").is_empty() && standin.refunds("card").is_empty());
    }

    #[actix_web::test]
    async fn notification_signature_verifies() {
        let standin = MidtransStandIn::start(KEY);
        create(&standin, "signed", 75_000).await;
        standin.pay("signed", "qris");
        let note = standin.notification("signed");
        assert_eq!(note["transaction_status"], "settlement");
        assert_eq!(note["gross_amount"], "75000.00");
        let input = format!(
            "{}{}{}{KEY}",
            note["order_id"].as_str().unwrap(),
            note["status_code"].as_str().unwrap(),
            note["gross_amount"].as_str().unwrap()
        );
        let expected = hex::encode(Sha512::digest(input.as_bytes()));
        assert_eq!(note["signature_key"], expected);
        standin.set_gross_amount("signed", "1.00");
        assert_ne!(standin.notification("signed")["signature_key"], expected);
    }

    #[actix_web::test]
    async fn faults_delay_and_stop() {
        let mut standin = MidtransStandIn::start(KEY);
        standin.fail_next("/snap/v1/transactions", 1, 503);
        let response = create(&standin, "f", 1_000).await;
        assert_eq!(response.status().as_u16(), 503);
        assert!(standin.created("f").is_none());
        assert_eq!(create(&standin, "f", 1_000).await.status().as_u16(), 201);
        standin.pay("f", "gopay");

        standin.fail_next_in_body("/status", 2, "500");
        for _ in 0..2 {
            let (http, body) = status(&standin, "f").await;
            assert_eq!((http, body["status_code"].as_str()), (200, Some("500")));
        }
        let (_, body) = status(&standin, "f").await;
        assert_eq!(body["transaction_status"], "settlement");

        standin.set_delay(Duration::from_millis(300));
        let quick = client()
            .get(format!("{}/v2/f/status", standin.url()))
            .basic_auth(KEY, Some(""))
            .timeout(Duration::from_millis(50))
            .send()
            .await;
        assert!(quick.is_err(), "the answer comes too late");
        standin.set_delay(Duration::ZERO);

        standin.stop();
        let refused = client()
            .get(format!("{}/v2/f/status", standin.url()))
            .send()
            .await;
        assert!(refused.is_err(), "connections are refused once stopped");
    }
}
