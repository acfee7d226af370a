//! The sales report against a known set of sales in a Makassar cinema: two
//! showtimes on either side of local midnight (23.00 and 00.30, the same UTC
//! date), a cancelled showtime's refunds, and a late payment refunded at once.

use std::time::Duration;

use chrono::{NaiveDate, TimeZone};
use chrono_tz::Asia::Makassar;
use serde_json::{Value, json};

use crate::helpers::{Api, all};

async fn schedule(
    api: &Api,
    admin: &str,
    auditorium: i64,
    movie: i64,
    local: (NaiveDate, u32, u32),
) -> i64 {
    let (date, hour, minute) = local;
    let starts = Makassar
        .from_local_datetime(&date.and_hms_opt(hour, minute, 0).unwrap())
        .unwrap()
        .to_rfc3339();
    let created = api
        .post(
            "/api/v1/admin/showtimes",
            Some(admin),
            json!({"movie_id": movie, "auditorium_id": auditorium, "starts_at": starts,
                   "prices": {"regular": 40_000, "premium": 65_000}}),
        )
        .await;
    created.assert_status(201)["id"].as_i64().unwrap()
}

async fn report(api: &Api, admin: &str, query: &str) -> Value {
    api.get(&format!("/api/v1/admin/reports/sales?{query}"), Some(admin))
        .await
        .assert_status(200)
        .clone()
}

fn figures(row: &Value) -> (String, i64, i64, f64, i64, i64, i64) {
    (
        row["key"].as_str().unwrap().to_string(),
        row["tickets_sold"].as_i64().unwrap(),
        row["capacity"].as_i64().unwrap(),
        row["occupancy"].as_f64().unwrap(),
        row["gross"].as_i64().unwrap(),
        row["refunded"].as_i64().unwrap(),
        row["net"].as_i64().unwrap(),
    )
}

#[actix_web::test]
async fn the_sales_report_counts_each_showtime_on_its_local_day_with_refunds_and_not_late_money() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let place = api.a_makassar_place(&admin).await;
    let other_movie = api
        .post(
            "/api/v1/admin/movies",
            Some(&admin),
            json!({"title": "Warkop", "synopsis": "", "duration_minutes": 90,
                   "rating": "13+", "genres": ["comedy"], "language": "id"}),
        )
        .await;
    let other_movie = other_movie.assert_status(201)["id"].as_i64().unwrap();
    let day = (api.app.now() + chrono::Duration::days(3))
        .with_timezone(&Makassar)
        .date_naive();
    let next = day.succ_opt().unwrap();
    // 23.00 and 00.30 local: 15.00 and 16.30 UTC of the same UTC date.
    let second = api
        .post(
            &format!("/api/v1/admin/cinemas/{}/auditoriums", place.cinema),
            Some(&admin),
            json!({"name": "Studio 2", "classes": {"R": "regular", "P": "premium"}, "rows": ["RRRR", "PPPP"]}),
        )
        .await;
    let second = second.assert_status(201)["id"].as_i64().unwrap();
    let late_show = schedule(&api, &admin, place.auditorium, place.movie, (day, 23, 0)).await;
    let owl_show = schedule(&api, &admin, second, place.movie, (next, 0, 30)).await;
    // Nothing sold at 02.30: its seats still count in the capacity.
    schedule(&api, &admin, place.auditorium, other_movie, (next, 2, 30)).await;
    let cancelled = schedule(&api, &admin, place.auditorium, other_movie, (next, 19, 0)).await;

    // Sales: 23.00 → 2 regular + 1 regular; 00.30 → 1 premium; 19.00 → 1
    // regular, then the showtime is cancelled and refunded.
    let (ani, budi, cici, dedi) = (
        api.customer().await,
        api.customer().await,
        api.customer().await,
        api.customer().await,
    );
    api.buy(&ani, late_show, &["A1", "A2"]).await;
    api.buy(&budi, late_show, &["A3"]).await;
    api.buy(&cici, owl_show, &["B1"]).await;
    api.buy(&dedi, cancelled, &["A1"]).await;
    api.cancel(&admin, cancelled).await.assert_status(202);
    api.wait_for_refunds(cancelled, Duration::from_secs(15), all("succeeded"))
        .await;

    // A late payment on the 00.30 showtime: the seat went to someone else,
    // the money is refunded at once and bought no ticket.
    let eka = api.customer().await;
    let held = api.hold(&eka, owl_show, &["B2"]).await;
    let booking = held.assert_status(201)["id"].as_str().unwrap().to_string();
    let payment = api.pay(&eka, &booking).await;
    api.app.advance(Duration::from_secs(11 * 60));
    api.app.sweep().await;
    let fajar = api.customer().await;
    api.buy(&fajar, owl_show, &["B2"]).await;
    let late = api.sandbox(&eka.token, &payment, "success").await;
    assert_eq!(late.assert_status(200)["outcome"], "refund_required");
    api.wait_for_refunds(owl_show, Duration::from_secs(15), all("succeeded"))
        .await;

    let range = format!("from={day}&to={next}&cinema_id={}", place.cinema);
    let by_day = report(&api, &admin, &format!("{range}&group_by=day")).await;
    let rows: Vec<_> = by_day["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(figures)
        .collect();
    assert_eq!(
        rows,
        [
            (day.to_string(), 3, 8, 0.375, 120_000, 0, 120_000),
            // 00.30: 2 premium (B1, B2: the late payer's seat went to Fajar);
            // 02.30: nothing; 19.00: 1 regular, refunded.
            (next.to_string(), 3, 24, 0.125, 170_000, 40_000, 130_000),
        ]
    );
    assert_eq!(
        figures(&by_day["total"]),
        ("total".into(), 6, 32, 0.1875, 290_000, 40_000, 250_000)
    );
    assert_eq!(by_day["total"]["currency"], "IDR");

    let by_movie = report(&api, &admin, &format!("{range}&group_by=movie")).await;
    let rows: Vec<_> = by_movie["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(figures)
        .collect();
    assert_eq!(
        rows,
        [
            (place.movie.to_string(), 5, 16, 0.3125, 250_000, 0, 250_000),
            (other_movie.to_string(), 1, 16, 0.0625, 40_000, 40_000, 0),
        ]
    );
    assert_eq!(by_movie["rows"][0]["label"], "Laskar Pelangi");

    let by_showtime = report(&api, &admin, &format!("{range}&group_by=showtime")).await;
    let keys: Vec<String> = by_showtime["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(keys.len(), 4);
    assert_eq!(keys[0], late_show.to_string());
    assert_eq!(keys[1], owl_show.to_string());
    assert!(
        by_showtime["rows"][1]["label"]
            .as_str()
            .unwrap()
            .contains(&format!("{next}T00:30:00+08:00"))
    );

    // One local day: the 00.30 showtime is not on the day before.
    let first_day = report(
        &api,
        &admin,
        &format!("from={day}&to={day}&cinema_id={}", place.cinema),
    )
    .await;
    assert_eq!(first_day["rows"].as_array().unwrap().len(), 1);
    assert_eq!(first_day["total"]["tickets_sold"], 3);

    // CSV, by ?format= and by Accept: Python's csv module reads what the
    // JSON says.
    let csv = api
        .http
        .get(api.app.url(&format!(
            "/api/v1/admin/reports/sales?{range}&group_by=movie&format=csv"
        )))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = csv.text().await.unwrap();
    let by_accept = api
        .http
        .get(api.app.url(&format!(
            "/api/v1/admin/reports/sales?{range}&group_by=movie"
        )))
        .bearer_auth(&admin)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(csv, by_accept);
    let parsed = std::process::Command::new("python3")
        .args([
            "-c",
            "import csv, json, sys; print(json.dumps(list(csv.DictReader(sys.stdin, strict=True))))",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(csv.as_bytes())?;
            child.wait_with_output()
        })
        .expect("python3 runs");
    assert!(parsed.status.success());
    let parsed: Vec<Value> = serde_json::from_slice(&parsed.stdout).unwrap();
    let expected: Vec<&Value> = by_movie["rows"]
        .as_array()
        .unwrap()
        .iter()
        .chain(std::iter::once(&by_movie["total"]))
        .collect();
    assert_eq!(parsed.len(), expected.len());
    for (line, row) in parsed.iter().zip(expected) {
        for field in ["key", "label", "currency"] {
            assert_eq!(line[field], row[field], "{field}");
        }
        for field in ["tickets_sold", "capacity", "gross", "refunded", "net"] {
            assert_eq!(
                line[field].as_str().unwrap().parse::<i64>().unwrap(),
                row[field].as_i64().unwrap(),
                "{field}"
            );
        }
        assert_eq!(
            line["occupancy"].as_str().unwrap().parse::<f64>().unwrap(),
            row["occupancy"].as_f64().unwrap()
        );
    }

    // Refusals, and customers may not read it (staff neither: tests/api/staff.rs).
    api.get("/api/v1/admin/reports/sales?from=2026-01-02", Some(&admin))
        .await
        .assert_problem(422, "invalid_query");
    api.get(
        "/api/v1/admin/reports/sales?from=2026-01-02&to=2026-01-01",
        Some(&admin),
    )
    .await
    .assert_problem(422, "invalid_date");
    api.get(
        "/api/v1/admin/reports/sales?from=2026-1-2&to=2026-01-03",
        Some(&admin),
    )
    .await
    .assert_problem(422, "invalid_date");
    api.get(
        &format!("/api/v1/admin/reports/sales?{range}&format=xml"),
        Some(&admin),
    )
    .await
    .assert_problem(422, "invalid_query");
    api.get(
        &format!("/api/v1/admin/reports/sales?{range}"),
        Some(&ani.token),
    )
    .await
    .assert_problem(403, "forbidden");
}
