//! The real binary, configured only through environment variables, killed
//! with SIGKILL in the middle of a burst of holds: everything it answered
//! 2xx is there after it starts again, and the cron sweep really runs.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use futures_util::future::join_all;
use serde_json::{Value, json};

struct Server {
    child: Child,
    base: String,
    admin: Option<(String, String)>,
}

impl Drop for Server {
    /// A failing test must not leave a server running.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &Path, hold_ttl: &str, sweep_cron: &str) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bioskop"))
        .env("BIOSKOP__HTTP__BIND", "127.0.0.1:0")
        .env("BIOSKOP__DATABASE__PATH", dir.join("bioskop.db"))
        .env("BIOSKOP__MAIL__DIR", dir.join("mail"))
        .env("BIOSKOP__BOOKING__HOLD_TTL", hold_ttl)
        .env("BIOSKOP__SCHEDULER__SWEEP_CRON", sweep_cron)
        .env("BIOSKOP__DEMO__SEED_ON_EMPTY", "true")
        // Thirty customers sign up from this one address: the per-address
        // limit (its own tests are in tests/api/abuse.rs) is switched off.
        .env("BIOSKOP__ACCOUNTS__MAX_SIGNUPS_PER_IP", "0")
        // Holds of random seats: the seating rule would refuse some.
        .env("BIOSKOP__BOOKING__NO_SINGLE_GAP", "false")
        .env("BIOSKOP__ADMIN__EMAIL", "")
        .env("BIOSKOP__ADMIN__PASSWORD", "")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the bioskop binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut base = None;
    let mut admin = None;
    for line in lines.by_ref() {
        let line = line.expect("a banner line");
        if let Some(address) = line.strip_prefix("bioskop is listening on ") {
            base = address.split_whitespace().next().map(str::to_string);
        }
        if let Some(login) = line.trim().strip_prefix("admin login: ")
            && let Some((email, password)) = login.split_once(" / ")
        {
            admin = Some((email.to_string(), password.to_string()));
        }
        if line.trim().starts_with("ready") {
            break;
        }
    }
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server {
        child,
        base: base.expect("the server printed its address"),
        admin,
    }
}

async fn post(
    http: &reqwest::Client,
    url: String,
    token: Option<&str>,
    body: Value,
) -> (u16, Value) {
    let mut request = http.post(url).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("answer");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn get(http: &reqwest::Client, url: String, token: Option<&str>) -> (u16, Value) {
    let mut request = http.get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("answer");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[actix_web::test]
async fn every_acknowledged_hold_and_sale_survives_kill_9_and_the_cron_sweep_expires_holds() {
    let dir = tempfile::tempdir().expect("temp dir");
    let http = reqwest::Client::new();
    let mut server = start(dir.path(), "10m", "0 * * * * *");
    let (admin_email, admin_password) = server.admin.clone().expect("the demo admin is printed");
    let (status, login) = post(
        &http,
        format!("{}/api/v1/auth/login", server.base),
        None,
        json!({"email": admin_email, "password": admin_password}),
    )
    .await;
    assert_eq!(status, 200, "the printed admin credentials work: {login}");
    assert_eq!(login["user"]["role"], "admin");

    let (_, cinemas) = get(&http, format!("{}/api/v1/cinemas", server.base), None).await;
    let cinema = cinemas[0]["id"].as_i64().expect("cinema");
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1))
        .with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).expect("offset"))
        .date_naive();
    let (_, showtimes) = get(
        &http,
        format!(
            "{}/api/v1/cinemas/{cinema}/showtimes?date={tomorrow}",
            server.base
        ),
        None,
    )
    .await;
    let showtime = showtimes[0]["id"].as_i64().expect("showtime");

    let mut tokens = Vec::new();
    for i in 0..30 {
        let (status, body) = post(
            &http,
            format!("{}/api/v1/auth/register", server.base),
            None,
            json!({"email": format!("crash{i}@example.com"), "password": "password123", "name": "Crash"}),
        )
        .await;
        assert_eq!(status, 201);
        tokens.push(body["token"].as_str().expect("token").to_string());
    }
    // One sale before the crash.
    let (status, sold) = post(
        &http,
        format!("{}/api/v1/bookings", server.base),
        Some(&tokens[0]),
        json!({"showtime_id": showtime, "seats": ["A1", "A2"]}),
    )
    .await;
    assert_eq!(status, 201);
    let sold_id = sold["id"].as_str().expect("id").to_string();
    let (status, payment) = post(
        &http,
        format!("{}/api/v1/bookings/{sold_id}/payment", server.base),
        Some(&tokens[0]),
        json!({}),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _) = post(
        &http,
        format!(
            "{}/sandbox/pay/{}",
            server.base,
            payment["payment_id"].as_str().expect("payment")
        ),
        Some(&tokens[0]),
        json!({"result": "success"}),
    )
    .await;
    assert_eq!(status, 200);

    // A burst of holds, then SIGKILL the moment the last answer arrives.
    let holds = join_all(tokens[1..].iter().enumerate().map(|(i, token)| {
        post(
            &http,
            format!("{}/api/v1/bookings", server.base),
            Some(token),
            json!({"showtime_id": showtime, "seats": [format!("C{}", i % 12 + 1)]}),
        )
    }))
    .await;
    server.child.kill().expect("SIGKILL");
    let _ = server.child.wait();
    drop(server);
    let acknowledged: Vec<(usize, String, String)> = holds
        .iter()
        .enumerate()
        .filter(|(_, (status, _))| *status == 201)
        .map(|(i, (_, body))| {
            (
                i + 1,
                body["id"].as_str().unwrap_or_default().to_string(),
                body["seats"][0]["id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(
        acknowledged.len(),
        12,
        "12 seats, 29 racers: each seat won once"
    );

    // Start again on the same database, with 2 s holds and a sweep every second.
    let server = start(dir.path(), "2s", "* * * * * *");
    for (customer, booking_id, seat) in &acknowledged {
        let (status, booking) = get(
            &http,
            format!("{}/api/v1/bookings/{booking_id}", server.base),
            Some(&tokens[*customer]),
        )
        .await;
        assert_eq!(status, 200, "acknowledged booking {booking_id} survived");
        assert_eq!(booking["status"], "held");
        assert_eq!(booking["seats"][0]["id"], seat.as_str());
    }
    let (_, map) = get(
        &http,
        format!("{}/api/v1/showtimes/{showtime}/seats", server.base),
        None,
    )
    .await;
    let status_of = |map: &Value, seat: &str| {
        map["seats"]
            .as_array()
            .and_then(|s| s.iter().find(|x| x["id"] == seat))
            .map(|x| x["status"].as_str().unwrap_or_default().to_string())
            .unwrap_or_default()
    };
    assert_eq!(status_of(&map, "A1"), "sold");
    assert_eq!(status_of(&map, "A2"), "sold");
    for (_, _, seat) in &acknowledged {
        assert_eq!(status_of(&map, seat), "locked");
    }
    let (_, tickets) = get(
        &http,
        format!("{}/api/v1/tickets", server.base),
        Some(&tokens[0]),
    )
    .await;
    assert_eq!(tickets.as_array().map(Vec::len), Some(2));

    // A new 2 s hold is released by the cron sweep itself (the database says so).
    let (status, short) = post(
        &http,
        format!("{}/api/v1/bookings", server.base),
        Some(&tokens[0]),
        json!({"showtime_id": showtime, "seats": ["D1"]}),
    )
    .await;
    assert_eq!(status, 201);
    let short_id = short["id"].as_str().expect("id").to_string();
    let deadline = Instant::now() + Duration::from_secs(15);
    let db = rusqlite::Connection::open(dir.path().join("bioskop.db")).expect("db");
    loop {
        let stored: String = db
            .query_row(
                "SELECT status FROM bookings WHERE id = ?1",
                [&short_id],
                |r| r.get(0),
            )
            .expect("booking row");
        if stored == "expired" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the sweep never expired the hold (still {stored})"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(server);
}
