//! The real binary, configured only through environment variables, killed
//! with SIGKILL in the middle of a burst of holds: everything it answered
//! 2xx is there after it starts again, and the cron sweep really runs. And
//! killed between a customer's decision to move (DESIGN 4c) and the move:
//! started again, it makes the move, exactly once.

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
    start_with(dir, hold_ttl, sweep_cron, &[])
}

/// `start`, with more environment variables (a failpoint).
fn start_with(dir: &Path, hold_ttl: &str, sweep_cron: &str, env: &[(&str, &str)]) -> Server {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bioskop"));
    command.envs(env.iter().copied());
    let mut child = command
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

/// One call as a customer or admin: (status, body), panicking on no answer.
async fn call(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    match body {
        Some(body) => post(http, format!("{base}{path}"), Some(token), body).await,
        None => get(http, format!("{base}{path}"), Some(token)).await,
    }
}

#[actix_web::test]
async fn a_move_decided_before_kill_9_is_made_exactly_once_after_the_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let http = reqwest::Client::new();
    // The binary sleeps at the failpoint right after recording the decision.
    let failpoint = [("FAILPOINTS", "offer-move-decided=sleep(600000)")];
    let mut server = start_with(dir.path(), "10m", "0 * * * * *", &failpoint);
    let (admin_email, admin_password) = server.admin.clone().expect("the demo admin is printed");
    let (_, login) = post(
        &http,
        format!("{}/api/v1/auth/login", server.base),
        None,
        json!({"email": admin_email, "password": admin_password}),
    )
    .await;
    let admin = login["token"].as_str().expect("admin token").to_string();
    let (status, customer) = post(
        &http,
        format!("{}/api/v1/auth/register", server.base),
        None,
        json!({"email": "mover@example.com", "password": "password123", "name": "Mover"}),
    )
    .await;
    assert_eq!(status, 201);
    let token = customer["token"].as_str().expect("token").to_string();
    let user_id = customer["user"]["id"].as_i64().expect("user id");

    let db = rusqlite::Connection::open(dir.path().join("bioskop.db")).expect("db");
    let tomorrow = chrono::Utc::now().timestamp_millis() + 86_400_000;
    let (cancelled, target): (i64, i64) = db
        .query_row(
            "SELECT s.showtime_id, t.showtime_id FROM showtime_places s
             JOIN showtime_places t ON t.movie_id = s.movie_id AND t.cinema_id = s.cinema_id
               AND t.showtime_id <> s.showtime_id AND t.starts_at > s.starts_at
               AND t.starts_at < s.starts_at + 7 * 86400000
             WHERE s.starts_at >= ?1 ORDER BY s.starts_at, t.starts_at LIMIT 1",
            [tomorrow],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("a movie shown twice in a cinema within the week");

    let base = server.base.clone();
    let (status, held) = call(
        &http,
        &base,
        "/api/v1/bookings",
        &token,
        Some(json!({"showtime_id": cancelled, "seats": ["B3", "B4"]})),
    )
    .await;
    assert_eq!(status, 201, "{held}");
    let booking = held["id"].as_str().expect("booking").to_string();
    let (_, payment) = call(
        &http,
        &base,
        &format!("/api/v1/bookings/{booking}/payment"),
        &token,
        Some(json!({})),
    )
    .await;
    let payment = payment["payment_id"].as_str().expect("payment").to_string();
    let (status, _) = call(
        &http,
        &base,
        &format!("/sandbox/pay/{payment}"),
        &token,
        Some(json!({"result": "success"})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, cancel) = call(
        &http,
        &base,
        &format!("/api/v1/admin/showtimes/{cancelled}/cancel"),
        &admin,
        Some(json!({"reason": "flooded hall", "offer_move": true})),
    )
    .await;
    assert_eq!(
        (status, cancel["offers_made"].as_i64()),
        (202, Some(1)),
        "{cancel}"
    );
    let (_, offer) = call(
        &http,
        &base,
        &format!("/api/v1/bookings/{booking}/offer"),
        &token,
        None,
    )
    .await;
    let seats = offer["choices"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["showtime_id"] == target))
        .map(|c| c["suggested_seats"].clone())
        .expect("the target is offered");

    // The move is decided, then the binary sleeps at the failpoint: kill it.
    let mover = {
        let (http, base, token, booking) =
            (http.clone(), base.clone(), token.clone(), booking.clone());
        actix_web::rt::spawn(async move {
            let url = format!("{base}/api/v1/bookings/{booking}/offer/move");
            let _ = http
                .post(url)
                .bearer_auth(token)
                .json(&json!({"showtime_id": target, "seats": seats}))
                .send()
                .await;
        })
    };
    let decided = |db: &rusqlite::Connection| -> Option<String> {
        db.query_row(
            "SELECT decision FROM offers WHERE booking_id = ?1",
            [&booking],
            |r| r.get(0),
        )
        .expect("the offer row")
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    while decided(&db).is_none() {
        assert!(Instant::now() < deadline, "the move was never decided");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let new_bookings = |db: &rusqlite::Connection| -> Vec<(String, String)> {
        let mut stmt = db
            .prepare("SELECT id, status FROM bookings WHERE showtime_id = ?1 AND user_id = ?2")
            .expect("query");
        stmt.query_map(rusqlite::params![target, user_id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("bookings")
    };
    let refund_status = |db: &rusqlite::Connection| -> String {
        db.query_row(
            "SELECT status FROM refunds WHERE booking_id = ?1",
            [&booking],
            |r| r.get(0),
        )
        .expect("the refund")
    };
    // Long enough for a move that was not stopped to have happened.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(decided(&db).as_deref(), Some("move"));
    assert!(
        new_bookings(&db).is_empty(),
        "stopped between the decision and the move"
    );
    assert_eq!(refund_status(&db), "offered");
    server.child.kill().expect("SIGKILL");
    let _ = server.child.wait();
    drop(server);
    mover.abort();

    // Started again, without the failpoint, twice: the move is made once.
    for _ in 0..2 {
        let server = start(dir.path(), "10m", "0 * * * * *");
        let moved = new_bookings(&db);
        assert_eq!(moved.len(), 1, "exactly one new booking: {moved:?}");
        assert_eq!(moved[0].1, "paid");
        assert_eq!(refund_status(&db), "withdrawn", "never paid");
        let (status, offer) = call(
            &http,
            &server.base,
            &format!("/api/v1/bookings/{booking}/offer"),
            &token,
            None,
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(offer["status"], "moved");
        assert_eq!(offer["moved_to"], moved[0].0.as_str());
        let (_, new) = call(
            &http,
            &server.base,
            &format!("/api/v1/bookings/{}", moved[0].0),
            &token,
            None,
        )
        .await;
        let valid = new["tickets"]
            .as_array()
            .map_or(0, |t| t.iter().filter(|t| t["status"] == "valid").count());
        assert_eq!(valid, 2, "{new}");
        let queued: i64 = db
            .query_row(
                "SELECT count(*) FROM refund_outbox o JOIN refunds r ON r.id = o.refund_id WHERE r.booking_id = ?1",
                [&booking],
                |r| r.get(0),
            )
            .expect("outbox");
        assert_eq!(queued, 0, "no refund attempt was ever queued");
        drop(server);
    }
}
