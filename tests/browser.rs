//! The web front end in a real browser: headless Chromium driven by
//! Playwright (`tests/browser/journey.mjs`) against the whole system
//! in-process. `.ci/run` installs Chromium and playwright-core and sets
//! BIOSKOP_TEST_BROWSER=1; then the test must run (it fails, it does not
//! skip, when something is missing). Without it, it says it was skipped.
//! Screenshots of the seat map, the e-ticket and the refund are saved in
//! BIOSKOP_TEST_SCREENSHOTS (default `target/browser-screenshots`).

use std::{path::PathBuf, process::Stdio};

use bioskop::{
    clock::rfc3339,
    testkit::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp},
};

#[actix_web::test]
async fn customers_book_and_watch_seats_live_pay_and_get_refunded_in_a_real_browser() {
    if std::env::var("BIOSKOP_TEST_BROWSER").map_or(true, |v| v.is_empty()) {
        eprintln!(
            "SKIPPED: browser test (set BIOSKOP_TEST_BROWSER=1 with Chromium and tests/browser/node_modules installed, as .ci/run does)"
        );
        return;
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

    let app = TestApp::spawn().await;
    let showtime = app.bookable_showtime().await;
    let offset = app.settings.catalog.default_timezone;
    let (cinema_id, city, cinema, starts_at): (i64, String, String, i64) = app
        .db()
        .query_row(
            "SELECT c.id, ci.name, c.name, s.starts_at FROM showtimes s
             JOIN auditoriums a ON a.id = s.auditorium_id JOIN cinemas c ON c.id = a.cinema_id
             JOIN cities ci ON ci.id = c.city_id WHERE s.id = ?1",
            [showtime],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .expect("the showtime's cinema");
    let date = rfc3339(starts_at, offset)[..10].to_string();

    let output = tokio::process::Command::new("node")
        .arg(scripts.join("journey.mjs"))
        .args([
            app.address.clone(),
            showtime.to_string(),
            cinema_id.to_string(),
            city,
            cinema,
            date,
            ADMIN_EMAIL.to_string(),
            ADMIN_PASSWORD.to_string(),
            shots.display().to_string(),
        ])
        .current_dir(&scripts)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(std::time::Duration::from_secs(180), output)
        .await
        .expect("the browser journey ends within 3 minutes")
        .expect("node runs (is Node.js installed?)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "the browser journey failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("step: done"), "{stdout}");
    for shot in [
        "seat-map-live.png",
        "e-ticket.png",
        "refund.png",
        "admin.png",
    ] {
        assert!(shots.join(shot).is_file(), "screenshot {shot}");
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
    if std::env::var("BIOSKOP_TEST_BROWSER").map_or(true, |v| v.is_empty()) {
        eprintln!(
            "SKIPPED: browser test (set BIOSKOP_TEST_BROWSER=1 with Chromium and tests/browser/node_modules installed, as .ci/run does)"
        );
        return;
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

    let app = TestApp::spawn().await;
    let output = tokio::process::Command::new("node")
        .arg(scripts.join("admin.mjs"))
        .args([
            app.address.clone(),
            ADMIN_EMAIL.to_string(),
            ADMIN_PASSWORD.to_string(),
            shots.display().to_string(),
        ])
        .current_dir(&scripts)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(std::time::Duration::from_secs(180), output)
        .await
        .expect("the back office journey ends within 3 minutes")
        .expect("node runs (is Node.js installed?)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "the back office journey failed:\n{stdout}\n{stderr}"
    );
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
