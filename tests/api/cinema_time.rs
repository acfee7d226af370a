//! A cinema in its own time zone, from an empty database: the back office
//! enters a Makassar cinema (WITA, +08:00) and its programme, and a customer
//! finds, books and gets the ticket of a 00:30 showtime on its own local date,
//! not on the day before as a Jakarta clock (+07:00) would put it.

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Timelike};
use chrono_tz::Asia::Makassar;
use serde_json::{Value, json};

use crate::{
    helpers::{Api, Reply},
    mail,
};

fn created(reply: &Reply) -> i64 {
    reply.assert_status(201)["id"].as_i64().expect("an id")
}

async fn showtimes_on(api: &Api, cinema: i64, date: Option<NaiveDate>) -> Vec<Value> {
    let query = date.map(|d| format!("?date={d}")).unwrap_or_default();
    api.get(&format!("/api/v1/cinemas/{cinema}/showtimes{query}"), None)
        .await
        .assert_status(200)
        .as_array()
        .expect("showtimes")
        .clone()
}

fn starts(listing: &[Value]) -> Vec<&str> {
    listing
        .iter()
        .map(|s| s["starts_at"].as_str().expect("starts_at"))
        .collect()
}

#[actix_web::test]
async fn a_makassar_cinema_sells_a_half_past_midnight_showtime_on_its_own_local_date() {
    let api =
        Api::with(bioskop::testkit::TestApp::spawn_with(|s| s.demo.seed_on_empty = false).await);
    let admin = api.admin().await;
    let cities = api.get("/api/v1/cities", None).await;
    assert_eq!(cities.assert_status(200), &json!([]), "an empty database");

    // The back office: city → cinema in Asia/Makassar → auditorium → movie.
    let city = created(
        &api.post(
            "/api/v1/admin/cities",
            Some(&admin),
            json!({"name": "Makassar"}),
        )
        .await,
    );
    let cinema = api
        .post(
            "/api/v1/admin/cinemas",
            Some(&admin),
            json!({"city_id": city, "name": "Bioskop Pantai Losari",
                   "address": "Jl. Penghibur No. 1, Makassar", "timezone": "Asia/Makassar"}),
        )
        .await;
    assert_eq!(cinema.assert_status(201)["timezone"], "Asia/Makassar");
    let cinema = created(&cinema);
    let auditorium = created(
        &api.post(
            &format!("/api/v1/admin/cinemas/{cinema}/auditoriums"),
            Some(&admin),
            json!({"name": "Studio 1", "classes": {"R": "regular", "P": "premium"},
                   "rows": ["RRRR_RRRR", "RRRR_RRRR", "PPPP_PPPP"]}),
        )
        .await,
    );
    let movie = created(
        &api.post(
            "/api/v1/admin/movies",
            Some(&admin),
            json!({"title": "Senja di Losari", "synopsis": "A night ferry that never docks.",
                   "duration_minutes": 100, "rating": "13+", "genres": ["drama"],
                   "language": "Indonesian"}),
        )
        .await,
    );

    // Two days of programme, the day after tomorrow in Makassar onwards.
    let day = (api.app.now() + Duration::days(2))
        .with_timezone(&Makassar)
        .date_naive();
    let batch = api
        .post(
            "/api/v1/admin/showtimes/batch",
            Some(&admin),
            json!({"movie_id": movie, "auditorium_id": auditorium,
                   "from": day.to_string(), "to": day.succ_opt().unwrap().to_string(),
                   "times": ["00:30", "03:00"],
                   "prices": {"regular": 40000, "premium": 65000}}),
        )
        .await;
    let batch = batch.assert_status(201)["showtimes"]
        .as_array()
        .expect("the created showtimes")
        .clone();
    assert_eq!(batch.len(), 4, "{batch:?}");
    let half_past_midnight = format!("{day}T00:30:00+08:00");
    let first = batch
        .iter()
        .find(|s| s["starts_at"] == half_past_midnight.as_str())
        .unwrap_or_else(|| panic!("no {half_past_midnight} in {batch:?}"));
    assert_eq!(first["ends_at"], format!("{day}T02:10:00+08:00"));
    let showtime = first["id"].as_i64().expect("showtime id");

    // The customer's listing of that local date has it; the day before (when
    // it would fall on a Jakarta clock: 23:30 WIB) does not.
    let on_the_day = showtimes_on(&api, cinema, Some(day)).await;
    assert_eq!(
        starts(&on_the_day),
        [
            half_past_midnight.as_str(),
            &format!("{day}T03:00:00+08:00")
        ]
    );
    assert!(on_the_day.iter().all(|s| s["timezone"] == "Asia/Makassar"));
    let day_before = day.pred_opt().unwrap();
    assert_eq!(
        showtimes_on(&api, cinema, Some(day_before)).await,
        Vec::<Value>::new()
    );

    // "Today" is Makassar's: ten past midnight there is still yesterday in
    // Jakarta, and the listing without a date is already the new day's.
    let midnight = Makassar
        .with_ymd_and_hms(day.year(), day.month(), day.day(), 0, 10, 0)
        .unwrap()
        .with_timezone(&chrono::Utc);
    let now = api.app.now();
    assert!(midnight > now);
    api.app.advance((midnight - now).to_std().unwrap());
    assert_eq!(api.app.now().with_timezone(&Makassar).hour(), 0);
    assert_eq!(
        starts(&showtimes_on(&api, cinema, None).await),
        starts(&on_the_day)
    );

    // The customer holds a seat of the new layout, pays, and every time of
    // the booking and the ticket is Makassar's.
    let ani = api.customer().await;
    let held = api.hold(&ani, showtime, &["A5"]).await;
    let held = held.assert_status(201).clone();
    assert_eq!(held["timezone"], "Asia/Makassar");
    assert_eq!(held["starts_at"], half_past_midnight.as_str());
    assert!(held["expires_at"].as_str().unwrap().ends_with("+08:00"));
    assert_eq!(held["total"], 40000);
    let booking = held["id"].as_str().unwrap().to_string();
    let payment = api.pay(&ani, &booking).await;
    let paid = api.sandbox(&ani.token, &payment, "success").await;
    assert_eq!(paid.assert_status(200)["outcome"], "paid", "{paid:?}");

    let tickets = api.get("/api/v1/tickets", Some(&ani.token)).await;
    let ticket = &tickets.assert_status(200)[0];
    assert_eq!(ticket["seat"], "A5");
    assert_eq!(ticket["starts_at"], half_past_midnight.as_str());
    assert_eq!(ticket["timezone"], "Asia/Makassar");
    assert!(
        ticket["purchased_at"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{day}T00:10:00")),
        "{ticket}"
    );
    assert!(ticket["purchased_at"].as_str().unwrap().ends_with("+08:00"));

    let mails = mail::wait_for(&api.app.settings.mail.dir, &ani.email, "E-tiket", 1).await;
    let local = day.format("%d-%m-%Y");
    let when = format!("{local} 00:30 WITA (UTC+08:00)");
    assert!(mails[0].subject.contains(&when), "{}", mails[0].subject);
    assert!(mails[0].text.contains(&when), "{}", mails[0].text);
}
