//! `mode = "production"`: every unsafe setting refused at start (alone, and
//! all at once in one message), and a real production run (the binary, with
//! Midtrans' stand-in) that sells a ticket while its whole debug log is
//! captured and searched for every secret it was given or made.

// Test code: a panic on an unexpected answer is a failed test.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

#[path = "api/midtrans_standin.rs"]
mod midtrans_standin;

use std::{
    io::{BufRead, BufReader, Read},
    path::Path,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use bioskop::{
    app::Application,
    catalog::demo,
    clock::SystemClock,
    config::{MidtransEnvironment, Mode, Settings, Synchronous},
    store::Store,
};
use midtrans_standin::MidtransStandIn;
use secrecy::SecretString;
use serde_json::{Value, json};

const SERVER_KEY: &str = "Mid-server-production-test-0f9a8b7c";
const CLIENT_KEY: &str = "Mid-client-production-test-1e2d3c4b";
const METRICS_TOKEN: &str = "metrics-token-5a6b7c8d9e";
const MAIL_PASSWORD: &str = "smtp-password-3f4e5d6c";
const WHATSAPP_TOKEN: &str = "whatsapp-token-7a8b9c0d";
const CUSTOMER_PASSWORD: &str = "customer-password-2b3c4d";

/// Settings a cinema could go live with (Midtrans at `midtrans_url`).
fn safe_production(dir: &Path, midtrans_url: &str) -> Settings {
    let mut s = Settings::defaults();
    s.mode = Mode::Production;
    s.http.bind = "127.0.0.1:0".parse().unwrap();
    s.http.public_url = "https://tickets.example.id".into();
    s.http.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    s.database.path = dir.join("bioskop.db");
    s.database.synchronous = Synchronous::Full;
    s.mail.dir = dir.join("mail");
    s.demo.seed_on_empty = false;
    s.ops.metrics_token = SecretString::from(METRICS_TOKEN);
    s.payments.provider = "midtrans".into();
    s.payments.midtrans.environment = MidtransEnvironment::Production;
    s.payments.midtrans.server_key = SecretString::from(SERVER_KEY);
    s.payments.midtrans.client_key = SecretString::from(CLIENT_KEY);
    s.payments.midtrans.api_url = midtrans_url.into();
    s.payments.midtrans.snap_url = midtrans_url.into();
    s.admin.email = String::new();
    s.admin.password = SecretString::from("");
    s
}

/// A change that makes safe settings unsafe.
type Change = Box<dyn Fn(&mut Settings)>;

/// Each unsafe setting, as a change to safe settings, and the key its
/// refusal must name.
fn unsafe_changes() -> Vec<(&'static str, Change)> {
    vec![
        (
            "payments.provider",
            Box::new(|s| s.payments.provider = "sandbox".into()),
        ),
        (
            "payments.midtrans.server_key",
            Box::new(|s| s.payments.midtrans.server_key = SecretString::from("")),
        ),
        (
            "payments.midtrans.client_key",
            Box::new(|s| s.payments.midtrans.client_key = SecretString::from("SB-Mid-client-abc")),
        ),
        (
            "payments.midtrans.environment",
            Box::new(|s| s.payments.midtrans.environment = MidtransEnvironment::Sandbox),
        ),
        (
            "payments.midtrans.api_url",
            Box::new(|s| s.payments.midtrans.api_url = "https://api.sandbox.midtrans.com".into()),
        ),
        (
            "http.public_url",
            Box::new(|s| s.http.public_url = "http://tickets.example.id".into()),
        ),
        (
            "http.trusted_proxies",
            Box::new(|s| s.http.trusted_proxies.clear()),
        ),
        (
            "demo.seed_on_empty",
            Box::new(|s| s.demo.seed_on_empty = true),
        ),
        (
            "ops.metrics_token",
            Box::new(|s| s.ops.metrics_token = SecretString::from("")),
        ),
        (
            "database.synchronous",
            Box::new(|s| s.database.synchronous = Synchronous::Off),
        ),
    ]
}

#[test]
fn each_unsafe_setting_is_refused_on_its_own_in_plain_words() {
    let dir = tempfile::tempdir().unwrap();
    let safe = safe_production(dir.path(), "http://127.0.0.1:9");
    assert_eq!(safe.production_problems(), Vec::<String>::new());
    for (key, change) in unsafe_changes() {
        let mut settings = safe.clone();
        change(&mut settings);
        let problems = settings.production_problems();
        assert_eq!(problems.len(), 1, "{key}: {problems:?}");
        assert!(problems[0].contains(key), "{key}: {problems:?}");
    }
    let mut missing_url = safe.clone();
    missing_url.http.public_url = String::new();
    assert!(missing_url.production_problems()[0].contains("http.public_url is empty"));
    let mut sandbox_key = safe;
    sandbox_key.payments.midtrans.server_key = SecretString::from("SB-Mid-server-xyz");
    let problems = sandbox_key.production_problems();
    assert!(problems[0].contains("sandbox key"), "{problems:?}");
    assert!(
        !problems[0].contains("SB-Mid-server-xyz"),
        "a key is never repeated: {problems:?}"
    );
}

#[actix_web::test]
async fn every_unsafe_setting_is_named_at_once_and_the_server_does_not_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = safe_production(dir.path(), "http://127.0.0.1:9");
    let changes = unsafe_changes();
    for (_, change) in &changes {
        change(&mut settings);
    }
    let refused = match Application::build(settings, Arc::new(SystemClock)).await {
        Ok(_) => panic!("an unsafe production configuration started"),
        Err(error) => error.to_string(),
    };
    for (key, _) in &changes {
        // The trusted proxies matter once the public URL is https.
        if *key != "http.trusted_proxies" {
            assert!(refused.contains(key), "{key} is not named in: {refused}");
        }
    }
    assert!(
        !dir.path().join("bioskop.db").exists(),
        "refused before touching the database"
    );
}

#[test]
fn the_binary_in_production_mode_with_demo_defaults_exits_non_zero_listing_the_problems() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_bioskop"))
        .env("BIOSKOP__MODE", "production")
        .env("BIOSKOP__HTTP__BIND", "127.0.0.1:0")
        .env("BIOSKOP__DATABASE__PATH", dir.path().join("bioskop.db"))
        .env("BIOSKOP__MAIL__DIR", dir.path().join("mail"))
        .output()
        .expect("the binary runs");
    assert!(!output.status.success());
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    for key in [
        "payments.provider",
        "http.public_url",
        "demo.seed_on_empty",
        "ops.metrics_token",
    ] {
        assert!(said.contains(key), "{key} not named: {said}");
    }
}

/// The log of a running binary: everything it writes, kept as it comes.
struct Run {
    child: Child,
    base: String,
    log: Arc<Mutex<String>>,
}

impl Drop for Run {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn keep(stream: impl Read + Send + 'static, log: Arc<Mutex<String>>) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            let mut log = log.lock().unwrap();
            log.push_str(&line);
            log.push('\n');
        }
    });
}

fn start(config: &Path) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bioskop"))
        .arg("--config")
        .arg(config)
        .env("RUST_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let log = Arc::new(Mutex::new(String::new()));
    keep(child.stdout.take().unwrap(), log.clone());
    keep(child.stderr.take().unwrap(), log.clone());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = log.lock().unwrap().clone();
        if let Some(line) = text
            .lines()
            .find_map(|l| l.strip_prefix("bioskop is listening on "))
        {
            let base = line.split_whitespace().next().unwrap().to_string();
            if text.contains("ready;") {
                return Run { child, base, log };
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the production server exited ({status}): {text}");
        }
        assert!(
            Instant::now() < deadline,
            "the server did not start: {text}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn production_toml(dir: &Path, midtrans_url: &str) -> String {
    format!(
        r#"mode = "production"
[http]
bind = "127.0.0.1:0"
public_url = "https://tickets.example.id"
trusted_proxies = ["127.0.0.1"]
[database]
path = "{db}"
synchronous = "full"
[mail]
dir = "{mail}"
password = "{MAIL_PASSWORD}"
[whatsapp]
token = "{WHATSAPP_TOKEN}"
[demo]
seed_on_empty = false
[ops]
metrics_token = "{METRICS_TOKEN}"
[payments]
provider = "midtrans"
[payments.midtrans]
environment = "production"
server_key = "{SERVER_KEY}"
client_key = "{CLIENT_KEY}"
api_url = "{midtrans_url}"
snap_url = "{midtrans_url}"
"#,
        db = dir.join("bioskop.db").display(),
        mail = dir.join("mail").display(),
    )
}

async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = http.request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("an answer");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[actix_web::test]
async fn a_production_run_sells_a_ticket_through_midtrans_and_its_debug_log_holds_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let midtrans = MidtransStandIn::start(SERVER_KEY);
    // The catalog comes from the library here (the back office comes later).
    let settings = safe_production(dir.path(), &midtrans.url());
    let store = Store::open(&settings.database.path, settings.database.synchronous).unwrap();
    let now = chrono::Utc::now();
    let seed_settings = settings.clone();
    store
        .write(move |conn| demo::seed(conn, &seed_settings, now))
        .await
        .unwrap();
    store.close();
    let showtime: i64 = rusqlite::Connection::open(&settings.database.path)
        .unwrap()
        .query_row(
            "SELECT id FROM showtimes WHERE starts_at > ?1 ORDER BY starts_at LIMIT 1",
            [now.timestamp_millis() + 86_400_000],
            |r| r.get(0),
        )
        .unwrap();
    let config = dir.path().join("production.toml");
    std::fs::write(&config, production_toml(dir.path(), &midtrans.url())).unwrap();

    let run = start(&config);
    let http = reqwest::Client::new();
    let api = |path: &str| format!("{}/api/v1{path}", run.base);
    use reqwest::Method;

    let (status, registered) = call(
        &http,
        Method::POST,
        api("/auth/register"),
        None,
        Some(json!({"email": "sari@example.id", "password": CUSTOMER_PASSWORD, "name": "Sari"})),
    )
    .await;
    assert_eq!(status, 201, "{registered}");
    let token = registered["token"].as_str().unwrap().to_string();
    let (status, held) = call(
        &http,
        Method::POST,
        api("/bookings"),
        Some(&token),
        Some(json!({"showtime_id": showtime, "seats": ["C3", "C4"]})),
    )
    .await;
    assert_eq!(status, 201, "{held}");
    let booking = held["id"].as_str().unwrap().to_string();
    let (status, checkout) = call(
        &http,
        Method::POST,
        api(&format!("/bookings/{booking}/payment")),
        Some(&token),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 201, "{checkout}");
    let payment = checkout["payment_id"].as_str().unwrap().to_string();
    assert!(midtrans.pay(&payment, "gopay"));
    let notification = midtrans.notification(&payment);
    let (status, _) = call(
        &http,
        Method::POST,
        api("/payments/midtrans/notification"),
        None,
        Some(notification.clone()),
    )
    .await;
    assert_eq!(status, 200);
    // The reconciler confirms it in the background.
    let deadline = Instant::now() + Duration::from_secs(20);
    let summary = loop {
        let (_, summary) = call(
            &http,
            Method::GET,
            api(&format!("/bookings/{booking}")),
            Some(&token),
            None,
        )
        .await;
        if summary["status"] == "paid" {
            break summary;
        }
        assert!(Instant::now() < deadline, "not paid: {summary}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(summary["tickets"].as_array().map(Vec::len), Some(2));
    let (_, tickets) = call(&http, Method::GET, api("/tickets"), Some(&token), None).await;
    let codes: Vec<String> = tickets
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["checkin_code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes.len(), 2);

    // No sandbox in production; metrics only with the token.
    let (status, _) = call(
        &http,
        Method::POST,
        format!("{}/sandbox/pay/{payment}", run.base),
        Some(&token),
        Some(json!({"result": "success"})),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = call(
        &http,
        Method::GET,
        format!("{}/sandbox/pay/{payment}", run.base),
        None,
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, problem) = call(
        &http,
        Method::GET,
        format!("{}/metrics", run.base),
        None,
        None,
    )
    .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (401, Some("unauthenticated"))
    );
    let (status, _) = call(
        &http,
        Method::GET,
        format!("{}/metrics", run.base),
        Some("not-the-token"),
        None,
    )
    .await;
    assert_eq!(status, 401);
    let (status, metrics) = call(
        &http,
        Method::GET,
        format!("{}/metrics", run.base),
        Some(METRICS_TOKEN),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        metrics.as_str().unwrap_or_default().contains("bioskop_"),
        "{metrics}"
    );
    let (status, ready) = call(
        &http,
        Method::GET,
        format!("{}/readyz", run.base),
        None,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (_, _) = call(&http, Method::POST, api("/auth/logout"), Some(&token), None).await;

    let log = run.log.lock().unwrap().clone();
    assert!(
        log.contains("DEBUG"),
        "the run logged at debug level: {log}"
    );
    assert!(log.contains(&payment), "the log is the run's own");
    let mut secrets = vec![
        SERVER_KEY.to_string(),
        CLIENT_KEY.to_string(),
        METRICS_TOKEN.to_string(),
        MAIL_PASSWORD.to_string(),
        WHATSAPP_TOKEN.to_string(),
        CUSTOMER_PASSWORD.to_string(),
        token.clone(),
        notification["signature_key"].as_str().unwrap().to_string(),
    ];
    secrets.extend(codes);
    for secret in &secrets {
        assert!(
            !log.contains(secret.as_str()),
            "a secret is in the log: {secret}"
        );
        assert!(
            !ready.to_string().contains(secret.as_str()),
            "a secret is in /readyz"
        );
    }
}
