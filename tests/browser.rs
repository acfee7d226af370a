//! The web front end in a real browser: headless Chromium driven by
//! Playwright (`tests/browser/*.mjs`) against the whole system in-process.
//! `.ci/run` installs Chromium and playwright-core and sets
//! BIOSKOP_TEST_BROWSER=1; then the tests must run (they fail, they do not
//! skip, when something is missing). Without it, they say they were skipped.
//! Screenshots of the seat map, the e-ticket and the refund, in each
//! language, are saved in BIOSKOP_TEST_SCREENSHOTS (default
//! `target/browser-screenshots`).

use std::{path::PathBuf, process::Stdio};

use bioskop::{
    clock::{rfc3339, zone},
    testkit::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp},
};

/// Where the scripts and the screenshots are, or None when the browser tests
/// are not asked for.
fn setup() -> Option<(PathBuf, PathBuf)> {
    if std::env::var("BIOSKOP_TEST_BROWSER").map_or(true, |v| v.is_empty()) {
        eprintln!(
            "SKIPPED: browser test (set BIOSKOP_TEST_BROWSER=1 with Chromium and tests/browser/node_modules installed, as .ci/run does)"
        );
        return None;
    }
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let scripts = here.join("tests/browser");
    assert!(
        scripts.join("node_modules/playwright-core").is_dir(),
        "run `npm ci` in tests/browser first"
    );
    let shots = std::env::var("BIOSKOP_TEST_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| here.join("target/browser-screenshots"));
    std::fs::create_dir_all(&shots).expect("the screenshot folder");
    Some((scripts, shots))
}

/// The bookable showtime the scripts use, and where it is.
struct Place {
    showtime: i64,
    cinema_id: i64,
    city_id: i64,
    city: String,
    cinema: String,
    /// Its day in the cinema's zone (YYYY-MM-DD).
    date: String,
    /// Its start on the cinema's clock (HH:MM).
    clock: String,
}

async fn place(app: &TestApp) -> Place {
    let showtime = app.bookable_showtime().await;
    let (cinema_id, city_id, city, cinema, starts_at, timezone): (
        i64,
        i64,
        String,
        String,
        i64,
        String,
    ) = app
        .db()
        .query_row(
            "SELECT c.id, ci.id, ci.name, c.name, s.starts_at, c.timezone FROM showtimes s
             JOIN auditoriums a ON a.id = s.auditorium_id JOIN cinemas c ON c.id = a.cinema_id
             JOIN cities ci ON ci.id = c.city_id WHERE s.id = ?1",
            [showtime],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )
        .expect("the showtime's cinema");
    let local = rfc3339(starts_at, zone(&timezone));
    Place {
        showtime,
        cinema_id,
        city_id,
        city,
        cinema,
        date: local[..10].to_string(),
        clock: local[11..16].to_string(),
    }
}

/// Runs `node <script> <args>` in tests/browser; its output, once it passed.
async fn node(scripts: &PathBuf, script: &str, args: &[String]) -> String {
    let output = tokio::process::Command::new("node")
        .arg(scripts.join(script))
        .args(args)
        .current_dir(scripts)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(std::time::Duration::from_secs(180), output)
        .await
        .unwrap_or_else(|_| panic!("{script} ends within 3 minutes"))
        .expect("node runs (is Node.js installed?)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    assert!(
        output.status.success(),
        "{script} failed:\n{stdout}\n{stderr}"
    );
    stdout.into_owned()
}

/// A customer (`email`, password "correct horse") who has paid `seats` of
/// `showtime` through the API and the sandbox gateway: their token and the
/// booking's id.
async fn paid_booking(
    app: &TestApp,
    email: &str,
    showtime: i64,
    seats: &[&str],
) -> (String, String) {
    let http = reqwest::Client::new();
    let post = |path: &str, token: Option<&str>, body: serde_json::Value| {
        let mut request = http.post(app.url(path)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move {
            let response = request.send().await.expect("the server answers");
            let status = response.status().as_u16();
            let body: serde_json::Value = response.json().await.expect("JSON");
            (status, body)
        }
    };
    let (status, customer) = post(
        "/api/v1/auth/register",
        None,
        serde_json::json!({"email": email, "password": "correct horse", "name": "Dewi"}),
    )
    .await;
    assert_eq!(status, 201, "{customer}");
    let token = customer
        .get("token")
        .and_then(serde_json::Value::as_str)
        .expect("token")
        .to_string();
    let (status, booking) = post(
        "/api/v1/bookings",
        Some(&token),
        serde_json::json!({"showtime_id": showtime, "seats": seats}),
    )
    .await;
    assert_eq!(status, 201, "{booking}");
    let booking_id = booking
        .get("id")
        .and_then(serde_json::Value::as_str)
        .expect("booking id")
        .to_string();
    let (status, payment) = post(
        &format!("/api/v1/bookings/{booking_id}/payment"),
        Some(&token),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(status, 201, "{payment}");
    let payment_id = payment
        .get("payment_id")
        .and_then(serde_json::Value::as_str)
        .expect("payment id");
    let (status, paid) = post(
        &format!("/sandbox/pay/{payment_id}"),
        Some(&token),
        serde_json::json!({"result": "success"}),
    )
    .await;
    assert_eq!(
        (status, paid.get("outcome")),
        (200, Some(&serde_json::json!("paid")))
    );
    (token, booking_id)
}

#[actix_web::test]
async fn customers_book_and_watch_seats_live_pay_and_get_refunded_in_a_real_browser_in_both_languages()
 {
    let Some((scripts, shots)) = setup() else {
        return;
    };
    // Bahasa Indonesia (the default, on a first visit), then English (chosen
    // with the nav's switch, remembered after a reload): each on a fresh
    // system, as the journey ends with the showtime cancelled.
    for language in ["id", "en"] {
        let app = TestApp::spawn().await;
        let at = place(&app).await;
        let stdout = node(
            &scripts,
            "journey.mjs",
            &[
                app.address.clone(),
                at.showtime.to_string(),
                at.cinema_id.to_string(),
                at.city,
                at.cinema,
                at.date,
                at.clock,
                ADMIN_EMAIL.to_string(),
                ADMIN_PASSWORD.to_string(),
                shots.display().to_string(),
                language.to_string(),
            ],
        )
        .await;
        assert!(
            stdout.contains(&format!("step ({language}): done")),
            "{stdout}"
        );
        for shot in ["seat-map-live", "e-ticket", "refund", "admin"] {
            let file = shots.join(format!("{language}-{shot}.png"));
            assert!(file.is_file(), "screenshot {}", file.display());
        }
    }
    println!("screenshots: {}", shots.display());
}

/// The back office in a real browser (`tests/browser/admin.mjs`): an admin
/// makes a city, a cinema in Makassar, an auditorium in the layout editor
/// (watching the live preview), a movie and a showtime; a customer holds a
/// seat of it and sees the Makassar time; the admin blocks another seat and
/// the customer's map shows it at once.
#[actix_web::test]
async fn the_back_office_builds_a_cinema_and_a_programme_and_blocks_a_seat_live_in_a_real_browser()
{
    let Some((scripts, shots)) = setup() else {
        return;
    };
    let app = TestApp::spawn().await;
    let stdout = node(
        &scripts,
        "admin.mjs",
        &[
            app.address.clone(),
            ADMIN_EMAIL.to_string(),
            ADMIN_PASSWORD.to_string(),
            shots.display().to_string(),
        ],
    )
    .await;
    assert!(stdout.contains("step: done"), "{stdout}");
    let showtime: i64 = stdout
        .lines()
        .find_map(|line| line.strip_prefix("showtime: "))
        .and_then(|id| id.trim().parse().ok())
        .expect("the script names the showtime it made");
    let (timezone, blocked): (String, i64) = app
        .db()
        .query_row(
            "SELECT c.timezone, (SELECT count(*) FROM blocked_seats b WHERE b.showtime_id = s.id)
             FROM showtimes s JOIN auditoriums a ON a.id = s.auditorium_id
             JOIN cinemas c ON c.id = a.cinema_id WHERE s.id = ?1",
            [showtime],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("the showtime the admin made");
    assert_eq!(timezone, "Asia/Makassar");
    assert_eq!(blocked, 1, "one seat blocked");
    for shot in ["admin-layout-editor.png", "admin-programme.png"] {
        assert!(shots.join(shot).is_file(), "screenshot {shot}");
    }
}

#[actix_web::test]
async fn every_page_shows_only_texts_of_its_language_catalogue() {
    let Some((scripts, shots)) = setup() else {
        return;
    };
    let app = TestApp::spawn().await;
    let at = place(&app).await;
    let stdout = node(
        &scripts,
        "languages.mjs",
        &[
            app.address.clone(),
            at.showtime.to_string(),
            at.cinema_id.to_string(),
            at.city_id.to_string(),
            at.date,
            ADMIN_EMAIL.to_string(),
            ADMIN_PASSWORD.to_string(),
            shots.display().to_string(),
        ],
    )
    .await;
    assert!(stdout.contains("languages: done"), "{stdout}");
}

/// The door in a real browser (`tests/browser/door.mjs`): a customer has paid
/// two tickets (through the API); the showtime's doors are open (the clock is
/// half an hour before its start); the admin makes a staff account in
/// `#/admin/users`; the staff member signs in, lands on `#/door`, picks the
/// showtime and types a code: admitted, with the seat; the same code again:
/// already used, at its time; in Bahasa Indonesia, then in English (the
/// nav's switch). The admin's sales report draws its chart.
#[actix_web::test]
async fn staff_admit_tickets_at_the_door_and_the_report_draws_its_chart_in_a_real_browser() {
    let Some((scripts, shots)) = setup() else {
        return;
    };
    let app = TestApp::spawn().await;
    let at = place(&app).await;
    let http = reqwest::Client::new();
    let (token, _) = paid_booking(
        &app,
        "door-customer@example.com",
        at.showtime,
        &["A1", "A2"],
    )
    .await;
    let tickets: Vec<serde_json::Value> = http
        .get(app.url("/api/v1/tickets"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("the tickets")
        .json()
        .await
        .expect("JSON");
    let mut codes: Vec<(String, String)> = tickets
        .iter()
        .map(|t| {
            (
                t["seat"].as_str().expect("seat").to_string(),
                t["checkin_code"].as_str().expect("code").to_string(),
            )
        })
        .collect();
    codes.sort();
    assert_eq!(codes.len(), 2, "{tickets:?}");

    // The doors open half an hour before the start.
    let starts_at: i64 = app
        .db()
        .query_row(
            "SELECT starts_at FROM showtimes WHERE id = ?1",
            [at.showtime],
            |r| r.get(0),
        )
        .expect("the showtime");
    app.clock
        .set(bioskop::clock::from_millis(starts_at - 30 * 60_000));

    let stdout = node(
        &scripts,
        "door.mjs",
        &[
            app.address.clone(),
            at.showtime.to_string(),
            at.date,
            codes[0].0.clone(),
            codes[0].1.clone(),
            codes[1].0.clone(),
            codes[1].1.clone(),
            ADMIN_EMAIL.to_string(),
            ADMIN_PASSWORD.to_string(),
            shots.display().to_string(),
        ],
    )
    .await;
    assert!(stdout.contains("door: done"), "{stdout}");
    let admitted: i64 = app
        .db()
        .query_row(
            "SELECT count(*) FROM tickets WHERE showtime_id = ?1 AND status = 'used'",
            [at.showtime],
            |r| r.get(0),
        )
        .expect("the tickets");
    assert_eq!(admitted, 2, "both tickets admitted, once each");
    for shot in ["door-id.png", "door-en.png", "report.png"] {
        assert!(shots.join(shot).is_file(), "screenshot {shot}");
    }
}

/// The seating rules on the seat map (`tests/browser/seating.mjs`): with the
/// no-lone-seat rule on, the seat a click would strand is greyed before the
/// click, and "pick the best seats for me" holds two seats at once.
#[actix_web::test]
async fn the_seat_map_greys_a_stranding_seat_and_picks_the_best_seats_in_a_real_browser() {
    let Some((scripts, shots)) = setup() else {
        return;
    };
    let app = TestApp::spawn_with(|s| s.booking.no_single_gap = true).await;
    let showtime = app.bookable_showtime().await;
    let map: serde_json::Value =
        reqwest::get(app.url(&format!("/api/v1/showtimes/{showtime}/seats")))
            .await
            .expect("the seat map")
            .json()
            .await
            .expect("a JSON seat map");
    let seats = map["seats"].as_array().expect("seats");
    // The first two seats of a row that starts with two regular seats.
    let at = |row: i64, col: i64| {
        seats
            .iter()
            .find(|s| s["grid_row"] == row && s["grid_col"] == col && s["class"] == "regular")
    };
    let (first, second) = seats
        .iter()
        .find_map(|s| {
            let (row, col) = (s["grid_row"].as_i64()?, s["grid_col"].as_i64()?);
            let starts_row = !seats
                .iter()
                .any(|o| o["grid_row"] == row && o["grid_col"].as_i64() < Some(col));
            if !starts_row {
                return None;
            }
            let (a, b) = (at(row, col)?, at(row, col + 1)?);
            Some((a["id"].as_str()?.to_string(), b["id"].as_str()?.to_string()))
        })
        .expect("a row starting with two regular seats");
    let stdout = node(
        &scripts,
        "seating.mjs",
        &[
            app.address.clone(),
            showtime.to_string(),
            first,
            second,
            shots.display().to_string(),
        ],
    )
    .await;
    assert!(stdout.contains("step: done"), "{stdout}");
}

/// A cancelled showtime's offer in a real browser (`tests/browser/offer.mjs`,
/// DESIGN 4c): a customer has paid two seats (through the API); the admin
/// cancels the showtime in the overview with "offer a move" ticked and finds
/// the offer among the refunds; the customer opens the booking, sees the
/// offer and moves to the next showtime of the movie with the seats
/// suggested there, landing on the new booking, paid. The old booking is
/// `moved`, its refund `withdrawn`, the new one paid with valid tickets.
#[actix_web::test]
async fn a_customer_moves_to_another_showtime_from_the_cancelled_ones_booking_page_in_a_real_browser()
 {
    let Some((scripts, shots)) = setup() else {
        return;
    };
    let app = TestApp::spawn().await;
    let at = place(&app).await;
    // The next showtime of the movie in the same cinema, within the week
    // the offer reaches.
    let target = app.next_showing(at.showtime);
    let email = "offer-customer@example.com";
    let (_, booking) = paid_booking(&app, email, at.showtime, &["D4", "D5"]).await;
    let stdout = node(
        &scripts,
        "offer.mjs",
        &[
            app.address.clone(),
            at.showtime.to_string(),
            target.to_string(),
            at.cinema_id.to_string(),
            at.date,
            email.to_string(),
            "correct horse".to_string(),
            booking.clone(),
            ADMIN_EMAIL.to_string(),
            ADMIN_PASSWORD.to_string(),
            shots.display().to_string(),
        ],
    )
    .await;
    assert!(stdout.contains("step: done"), "{stdout}");
    let moved_to = stdout
        .lines()
        .find_map(|line| line.strip_prefix("moved_to: "))
        .map(|id| id.trim().to_string())
        .expect("the script names the new booking");

    let db = app.db();
    let (old_status, refund_status): (String, String) = db
        .query_row(
            "SELECT b.status, r.status FROM bookings b JOIN refunds r ON r.booking_id = b.id
             WHERE b.id = ?1",
            [&booking],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("the old booking and its refund");
    assert_eq!(old_status, "moved");
    assert_eq!(refund_status, "withdrawn");
    let (new_status, new_showtime): (String, i64) = db
        .query_row(
            "SELECT status, showtime_id FROM bookings WHERE id = ?1",
            [&moved_to],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("the new booking");
    assert_eq!((new_status.as_str(), new_showtime), ("paid", target));
    let tickets = |booking: &str, status: &str| -> i64 {
        db.query_row(
            "SELECT count(*) FROM tickets WHERE booking_id = ?1 AND status = ?2",
            [booking, status],
            |r| r.get(0),
        )
        .expect("tickets")
    };
    assert_eq!(tickets(&moved_to, "valid"), 2, "two valid tickets there");
    assert_eq!(tickets(&booking, "moved"), 2, "the old tickets moved");
    for shot in [
        "offer-admin-cancel.png",
        "offer-booking.png",
        "offer-moved.png",
    ] {
        assert!(shots.join(shot).is_file(), "screenshot {shot}");
    }
}
