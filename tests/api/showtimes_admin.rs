//! The back office's showtimes: scheduling one or a programme, the
//! collisions and refusals, prices that reach only later holds, moves and
//! deletes that wait for nobody to have booked.

use std::time::Duration;

use chrono::{DateTime, Datelike, TimeZone, Utc};
use chrono_tz::Tz;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Api, Place, Reply};

const MAKASSAR: Tz = chrono_tz::Asia::Makassar;

async fn a_place(api: &Api, admin: &str) -> Place {
    api.a_makassar_place(admin).await
}

fn prices() -> Value {
    json!({"regular": 50_000, "premium": 75_000})
}

/// `at` in Makassar, as the API writes it.
fn local(at: DateTime<Utc>) -> String {
    at.with_timezone(&MAKASSAR)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// Three days from the clock's now, at 19:00 in Makassar.
fn evening(api: &Api) -> DateTime<Utc> {
    let day = api.app.now().with_timezone(&MAKASSAR).date_naive() + chrono::Days::new(3);
    MAKASSAR
        .from_local_datetime(&day.and_hms_opt(19, 0, 0).unwrap())
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

async fn schedule(api: &Api, admin: &str, place: &Place, at: DateTime<Utc>) -> Reply {
    api.post(
        "/api/v1/admin/showtimes",
        Some(admin),
        json!({"movie_id": place.movie, "auditorium_id": place.auditorium,
               "starts_at": local(at), "prices": prices()}),
    )
    .await
}

async fn scheduled(api: &Api, admin: &str, place: &Place, at: DateTime<Utc>) -> i64 {
    schedule(api, admin, place, at).await.assert_status(201)["id"]
        .as_i64()
        .unwrap()
}

async fn patch(api: &Api, admin: &str, showtime: i64, body: Value) -> Reply {
    api.request(
        Method::PATCH,
        &format!("/api/v1/admin/showtimes/{showtime}"),
        Some(admin),
        Some(body),
    )
    .await
}

/// The audit rows of one target: (kind, before, after).
fn audit_of(api: &Api, target: &str) -> Vec<(String, Option<Value>, Option<Value>)> {
    api.audit_trail()
        .into_iter()
        .filter(|row| row.2 == target)
        .map(|row| (row.1, row.3, row.4))
        .collect()
}

fn starts_in_db(api: &Api, showtime: i64) -> i64 {
    api.app
        .db()
        .query_row(
            "SELECT starts_at FROM showtimes WHERE id = ?1",
            [showtime],
            |r| r.get(0),
        )
        .unwrap()
}

#[actix_web::test]
async fn a_new_showtime_ends_after_its_movie_and_a_customer_holds_a_seat_in_it_at_once() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let place = a_place(&api, &admin).await;
    let at = evening(&api);

    let created = schedule(&api, &admin, &place, at).await;
    let created = created.assert_status(201).clone();
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["starts_at"], local(at));
    assert_eq!(
        created["ends_at"],
        local(at + chrono::Duration::minutes(120))
    );
    assert!(
        created["starts_at"]
            .as_str()
            .unwrap()
            .ends_with("T19:00:00+08:00")
    );
    assert_eq!(created["timezone"], "Asia/Makassar");
    assert_eq!(created["status"], "scheduled");
    assert_eq!(created["prices"], prices());
    assert_eq!(created["movie_id"], place.movie);
    assert_eq!(created["auditorium_id"], place.auditorium);

    let customer = api.customer().await;
    let held = api.hold(&customer, id, &["A1", "B2"]).await;
    assert_eq!(held.assert_status(201)["total"], 125_000);

    let audit = audit_of(&api, &format!("showtime:{id}"));
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].0, "showtime.create");
    assert_eq!(audit[0].2.as_ref().unwrap()["starts_at"], local(at));
}

#[actix_web::test]
async fn a_showtime_must_not_overlap_another_nor_start_within_the_cleaning_gap_after_it() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let place = a_place(&api, &admin).await;
    let at = evening(&api);
    let first = scheduled(&api, &admin, &place, at).await;
    let ends = at + chrono::Duration::minutes(120);

    let overlapping = schedule(&api, &admin, &place, at + chrono::Duration::minutes(60)).await;
    overlapping.assert_problem(409, "showtime_overlap");
    assert_eq!(overlapping.body["overlaps"][0]["id"], first);

    let too_soon = schedule(&api, &admin, &place, ends + chrono::Duration::minutes(14)).await;
    too_soon.assert_problem(409, "showtime_overlap");
    let overlaps = too_soon.body["overlaps"].as_array().unwrap();
    assert_eq!(overlaps.len(), 1);
    assert_eq!(overlaps[0]["id"], first);
    assert_eq!(overlaps[0]["starts_at"], local(at));
    assert_eq!(overlaps[0]["ends_at"], local(ends));
    assert!(
        too_soon.body["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("showtime {first}"))
    );

    // Ending 14 minutes before the next one starts is as bad.
    let before = schedule(
        &api,
        &admin,
        &place,
        at - chrono::Duration::minutes(120 + 14),
    )
    .await;
    before.assert_problem(409, "showtime_overlap");
    assert_eq!(before.body["overlaps"][0]["id"], first);

    let after_the_gap = schedule(&api, &admin, &place, ends + chrono::Duration::minutes(15)).await;
    after_the_gap.assert_status(201);

    // A cancelled showtime leaves its slot free.
    api.cancel(&admin, first).await;
    schedule(&api, &admin, &place, at - chrono::Duration::minutes(30))
        .await
        .assert_status(201);
}

#[actix_web::test]
async fn prices_must_cover_every_class_of_the_auditorium_and_no_other() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let place = a_place(&api, &admin).await;
    let body = |prices: Value| {
        json!({"movie_id": place.movie, "auditorium_id": place.auditorium,
               "starts_at": local(evening(&api)), "prices": prices})
    };

    let missing = api
        .post(
            "/api/v1/admin/showtimes",
            Some(&admin),
            body(json!({"regular": 50_000})),
        )
        .await;
    missing.assert_problem(422, "invalid_prices");
    assert_eq!(missing.body["errors"][0]["field"], "prices.premium");

    let unknown = api
        .post(
            "/api/v1/admin/showtimes",
            Some(&admin),
            body(json!({"regular": 50_000, "premium": 75_000, "couple": 90_000})),
        )
        .await;
    unknown.assert_problem(422, "invalid_prices");
    assert_eq!(unknown.body["errors"][0]["field"], "prices.couple");

    api.post(
        "/api/v1/admin/showtimes",
        Some(&admin),
        body(json!({"regular": -1, "premium": 75_000})),
    )
    .await
    .assert_problem(422, "invalid_fields");
    let showtimes: i64 = api
        .app
        .db()
        .query_row(
            "SELECT count(*) FROM showtimes WHERE auditorium_id = ?1",
            [place.auditorium],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(showtimes, 0);
}

#[actix_web::test]
async fn a_start_in_the_past_an_archived_movie_or_an_unknown_reference_is_refused() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let place = a_place(&api, &admin).await;

    let past = schedule(
        &api,
        &admin,
        &place,
        api.app.now() - chrono::Duration::minutes(1),
    )
    .await;
    past.assert_problem(422, "start_in_past");
    assert_eq!(past.body["errors"][0]["field"], "starts_at");

    let at = local(evening(&api));
    let unknown_movie = api
        .post(
            "/api/v1/admin/showtimes",
            Some(&admin),
            json!({"movie_id": 999_999, "auditorium_id": place.auditorium, "starts_at": at, "prices": prices()}),
        )
        .await;
    unknown_movie.assert_problem(422, "unknown_movie");
    assert_eq!(unknown_movie.body["errors"][0]["field"], "movie_id");
    let unknown_auditorium = api
        .post(
            "/api/v1/admin/showtimes",
            Some(&admin),
            json!({"movie_id": place.movie, "auditorium_id": 999_999, "starts_at": at, "prices": prices()}),
        )
        .await;
    unknown_auditorium.assert_problem(422, "unknown_auditorium");
    assert_eq!(
        unknown_auditorium.body["errors"][0]["field"],
        "auditorium_id"
    );
    api.post(
        "/api/v1/admin/showtimes",
        Some(&admin),
        json!({"movie_id": place.movie, "auditorium_id": place.auditorium, "starts_at": "tomorrow", "prices": prices()}),
    )
    .await
    .assert_problem(422, "invalid_fields");

    api.request(
        Method::PATCH,
        &format!("/api/v1/admin/movies/{}", place.movie),
        Some(&admin),
        Some(json!({"archived": true})),
    )
    .await
    .assert_status(200);
    let archived = schedule(&api, &admin, &place, evening(&api)).await;
    archived.assert_problem(422, "movie_archived");
}

#[actix_web::test]
async fn a_batch_makes_the_local_starts_of_the_chosen_weekdays_in_the_cinema_zone() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let place = a_place(&api, &admin).await;
    let from = api.app.now().with_timezone(&MAKASSAR).date_naive() + chrono::Days::new(2);
    let to = from + chrono::Days::new(6);

    let made = api
        .post(
            "/api/v1/admin/showtimes/batch",
            Some(&admin),
            json!({"movie_id": place.movie, "auditorium_id": place.auditorium,
                   "from": from.to_string(), "to": to.to_string(),
                   "times": ["12:00", "14:45"], "weekdays": [1, 6], "prices": prices()}),
        )
        .await;
    let showtimes = made.assert_status(201)["showtimes"]
        .as_array()
        .unwrap()
        .clone();

    let mut expected = Vec::new();
    let mut day = from;
    while day <= to {
        if [1, 6].contains(&day.weekday().number_from_monday()) {
            expected.push(format!("{day}T12:00:00+08:00"));
            expected.push(format!("{day}T14:45:00+08:00"));
        }
        day = day.succ_opt().unwrap();
    }
    let starts: Vec<&str> = showtimes
        .iter()
        .map(|s| s["starts_at"].as_str().unwrap())
        .collect();
    assert_eq!(starts, expected);
    assert_eq!(showtimes.len(), 4);
    for showtime in &showtimes {
        assert_eq!(showtime["timezone"], "Asia/Makassar");
        assert_eq!(showtime["prices"], prices());
        let id = showtime["id"].as_i64().unwrap();
        let audit = audit_of(&api, &format!("showtime:{id}"));
        assert_eq!(audit.len(), 1);
        assert_eq!(audit[0].0, "showtime.create");
    }
    // The first is 12:00 in Makassar: 04:00 UTC.
    let first = showtimes[0]["id"].as_i64().unwrap();
    let first_utc = DateTime::from_timestamp_millis(starts_in_db(&api, first)).unwrap();
    assert_eq!(first_utc.format("%H:%M").to_string(), "04:00");

    let past = api
        .post(
            "/api/v1/admin/showtimes/batch",
            Some(&admin),
            json!({"movie_id": place.movie, "auditorium_id": place.auditorium,
                   "from": (from - chrono::Days::new(3)).to_string(), "to": to.to_string(),
                   "times": ["23:59"], "prices": prices()}),
        )
        .await;
    past.assert_problem(422, "start_in_past");
    let long = api
        .post(
            "/api/v1/admin/showtimes/batch",
            Some(&admin),
            json!({"movie_id": place.movie, "auditorium_id": place.auditorium,
                   "from": from.to_string(), "to": (from + chrono::Days::new(62)).to_string(),
                   "times": ["09:00"], "prices": prices()}),
        )
        .await;
    long.assert_problem(422, "invalid_schedule");
}

#[actix_web::test]
async fn a_batch_with_one_overlap_makes_nothing_and_lists_every_overlap() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let place = a_place(&api, &admin).await;
    let from = api.app.now().with_timezone(&MAKASSAR).date_naive() + chrono::Days::new(2);
    let to = from + chrono::Days::new(2);
    let existing_at = MAKASSAR
        .from_local_datetime(&(from + chrono::Days::new(1)).and_hms_opt(13, 0, 0).unwrap())
        .single()
        .unwrap()
        .with_timezone(&Utc);
    let existing = scheduled(&api, &admin, &place, existing_at).await;

    // 12:00 and 13:30 collide with each other every day (a two-hour movie),
    // and on the middle day both collide with the existing 13:00.
    let refused = api
        .post(
            "/api/v1/admin/showtimes/batch",
            Some(&admin),
            json!({"movie_id": place.movie, "auditorium_id": place.auditorium,
                   "from": from.to_string(), "to": to.to_string(),
                   "times": ["12:00", "13:30"], "prices": prices()}),
        )
        .await;
    refused.assert_problem(409, "showtime_overlap");
    let overlaps = refused.body["overlaps"].as_array().unwrap();
    let among: Vec<&Value> = overlaps.iter().filter(|o| o["id"].is_null()).collect();
    let with_existing: Vec<&Value> = overlaps.iter().filter(|o| o["id"] == existing).collect();
    assert_eq!(among.len(), 3, "{overlaps:?}");
    assert_eq!(with_existing.len(), 2, "{overlaps:?}");
    assert_eq!(overlaps.len(), 5);
    let middle = from + chrono::Days::new(1);
    assert!(
        with_existing
            .iter()
            .any(|o| o["with_starts_at"] == format!("{middle}T12:00:00+08:00"))
    );
    assert!(
        with_existing
            .iter()
            .any(|o| o["with_starts_at"] == format!("{middle}T13:30:00+08:00"))
    );

    let count: i64 = api
        .app
        .db()
        .query_row(
            "SELECT count(*) FROM showtimes WHERE auditorium_id = ?1",
            [place.auditorium],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(count, 1, "nothing of the batch was made");
}

#[actix_web::test]
async fn a_price_change_reaches_the_holds_made_after_it_and_not_the_one_before() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let place = a_place(&api, &admin).await;
    let showtime = scheduled(&api, &admin, &place, evening(&api)).await;
    let early = api.customer().await;
    let held = api.hold(&early, showtime, &["A1"]).await;
    let booking = held.assert_status(201)["id"].as_str().unwrap().to_string();
    assert_eq!(held.body["total"], 50_000);

    let changed = patch(
        &api,
        &admin,
        showtime,
        json!({"prices": {"regular": 60_000}}),
    )
    .await;
    let changed = changed.assert_status(200);
    assert_eq!(
        changed["prices"],
        json!({"regular": 60_000, "premium": 75_000})
    );

    let kept = api
        .get(&format!("/api/v1/bookings/{booking}"), Some(&early.token))
        .await;
    assert_eq!(kept.assert_status(200)["total"], 50_000);
    let late = api.customer().await;
    let later = api.hold(&late, showtime, &["A2"]).await;
    assert_eq!(later.assert_status(201)["total"], 60_000);

    // The paid seat keeps its price too.
    let payment = api.pay(&early, &booking).await;
    let settled = api.sandbox(&early.token, &payment, "success").await;
    assert_eq!(settled.assert_status(200)["outcome"], "paid", "{settled:?}");
    let paid = api
        .get(&format!("/api/v1/bookings/{booking}"), Some(&early.token))
        .await;
    let paid = paid.assert_status(200);
    assert_eq!(paid["status"], "paid");
    assert_eq!(paid["total"], 50_000);

    patch(&api, &admin, showtime, json!({"prices": {"balcony": 1}}))
        .await
        .assert_problem(422, "invalid_prices");

    let audit = audit_of(&api, &format!("showtime:{showtime}"));
    let update = audit.iter().find(|a| a.0 == "showtime.update").unwrap();
    assert_eq!(update.1.as_ref().unwrap()["prices"]["regular"], 50_000);
    assert_eq!(update.2.as_ref().unwrap()["prices"]["regular"], 60_000);
}

#[actix_web::test]
async fn a_showtime_moves_only_while_nothing_is_held_and_never_onto_another() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let place = a_place(&api, &admin).await;
    let at = evening(&api);
    let showtime = scheduled(&api, &admin, &place, at).await;
    let other = scheduled(&api, &admin, &place, at + chrono::Duration::hours(6)).await;
    let customer = api.customer().await;
    let held = api.hold(&customer, showtime, &["A1"]).await;
    let booking = held.assert_status(201)["id"].as_str().unwrap().to_string();

    let later = at + chrono::Duration::hours(3);
    let refused = patch(&api, &admin, showtime, json!({"starts_at": local(later)})).await;
    refused.assert_problem(409, "showtime_has_bookings");
    assert!(refused.body["detail"].as_str().unwrap().contains("cancel"));
    assert_eq!(starts_in_db(&api, showtime), at.timestamp_millis());

    api.delete(
        &format!("/api/v1/bookings/{booking}"),
        Some(&customer.token),
    )
    .await;
    let moved = patch(&api, &admin, showtime, json!({"starts_at": local(later)})).await;
    let moved = moved.assert_status(200);
    assert_eq!(moved["starts_at"], local(later));
    assert_eq!(
        moved["ends_at"],
        local(later + chrono::Duration::minutes(120))
    );
    assert_eq!(starts_in_db(&api, showtime), later.timestamp_millis());

    // Onto the other showtime: refused, and the actor stays as SQLite is.
    let onto = patch(
        &api,
        &admin,
        showtime,
        json!({"starts_at": local(at + chrono::Duration::hours(5)), "prices": {"regular": 1}}),
    )
    .await;
    onto.assert_problem(409, "showtime_overlap");
    assert_eq!(onto.body["overlaps"][0]["id"], other);
    assert_eq!(starts_in_db(&api, showtime), later.timestamp_millis());
    let again = api.customer().await;
    let held = api.hold(&again, showtime, &["A3"]).await;
    let held = held.assert_status(201);
    assert_eq!(held["total"], 50_000, "the refused edit changed no price");
    let summary_start = DateTime::parse_from_rfc3339(held["starts_at"].as_str().unwrap()).unwrap();
    assert_eq!(summary_start, later, "the actor knows the new start");

    patch(
        &api,
        &admin,
        showtime,
        json!({"starts_at": local(api.app.now())}),
    )
    .await
    .assert_problem(422, "start_in_past");
    patch(&api, &admin, 999_999, json!({"prices": {"regular": 1}}))
        .await
        .assert_problem(404, "not_found");
    api.cancel(&admin, other).await;
    patch(&api, &admin, other, json!({"prices": {"regular": 1}}))
        .await
        .assert_problem(409, "showtime_cancelled");

    let kinds: Vec<String> = audit_of(&api, &format!("showtime:{showtime}"))
        .into_iter()
        .map(|a| a.0)
        .collect();
    assert_eq!(kinds, ["showtime.create", "showtime.update"]);
}

/// A move's collision check is in its write: until that write answers, the
/// actor takes no hold, so no hold locks a seat at a price the refused write
/// rolls back.
#[actix_web::test]
async fn a_hold_racing_a_refused_move_never_gets_the_refused_price() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let place = a_place(&api, &admin).await;
    let at = evening(&api);
    let showtime = scheduled(&api, &admin, &place, at).await;
    scheduled(&api, &admin, &place, at + chrono::Duration::hours(6)).await;
    let onto_the_other =
        json!({"starts_at": local(at + chrono::Duration::hours(5)), "prices": {"regular": 1}});
    for round in 1..=15 {
        let customer = api.customer().await;
        let (edit, held) = tokio::join!(
            patch(&api, &admin, showtime, onto_the_other.clone()),
            async {
                tokio::task::yield_now().await;
                api.hold(&customer, showtime, &["A1"]).await
            }
        );
        assert_eq!(edit.status.as_u16(), 409, "round {round}: {edit:?}");
        let held = held.assert_status(201);
        assert_eq!(held["total"], 50_000, "round {round}: {held}");
        let booking = held["id"].as_str().unwrap();
        api.delete(
            &format!("/api/v1/bookings/{booking}"),
            Some(&customer.token),
        )
        .await
        .assert_status(204);
    }
    let price: i64 = api
        .app
        .db()
        .query_row(
            "SELECT amount FROM showtime_prices WHERE showtime_id = ?1 AND class = 'regular'",
            [showtime],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(price, 50_000);
}

#[actix_web::test]
async fn a_showtime_is_deleted_only_if_nobody_ever_booked_it() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let place = a_place(&api, &admin).await;
    let at = evening(&api);
    let booked = scheduled(&api, &admin, &place, at).await;
    let never = scheduled(&api, &admin, &place, at + chrono::Duration::hours(4)).await;
    let customer = api.customer().await;
    api.hold(&customer, booked, &["A1"])
        .await
        .assert_status(201);
    api.app.advance(Duration::from_secs(11 * 60));
    api.app.sweep().await;

    let refused = api
        .delete(&format!("/api/v1/admin/showtimes/{booked}"), Some(&admin))
        .await;
    refused.assert_problem(409, "showtime_has_bookings");

    // The map is loaded (the actor runs) before the delete.
    assert_eq!(api.seat_map(never, None).await.len(), 8);
    let deleted = api
        .delete(&format!("/api/v1/admin/showtimes/{never}"), Some(&admin))
        .await;
    assert_eq!(deleted.status.as_u16(), 204, "{deleted:?}");
    api.get(&format!("/api/v1/showtimes/{never}/seats"), None)
        .await
        .assert_problem(404, "not_found");
    api.hold(&customer, never, &["A1"])
        .await
        .assert_problem(404, "not_found");
    api.delete(&format!("/api/v1/admin/showtimes/{never}"), Some(&admin))
        .await
        .assert_problem(404, "not_found");
    let prices: i64 = api
        .app
        .db()
        .query_row(
            "SELECT count(*) FROM showtime_prices WHERE showtime_id = ?1",
            [never],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(prices, 0);

    let kinds: Vec<String> = audit_of(&api, &format!("showtime:{never}"))
        .into_iter()
        .map(|a| a.0)
        .collect();
    assert_eq!(kinds, ["showtime.create", "showtime.delete"]);
    // The freed slot can be scheduled again.
    scheduled(&api, &admin, &place, at + chrono::Duration::hours(4)).await;
}

#[actix_web::test]
async fn a_showtime_with_a_blocked_seat_is_not_deleted() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let place = a_place(&api, &admin).await;
    let showtime = scheduled(&api, &admin, &place, evening(&api)).await;
    api.post(
        &format!("/api/v1/admin/showtimes/{showtime}/blocked-seats"),
        Some(&admin),
        json!({"seats": ["A1"], "reason": "broken"}),
    )
    .await
    .assert_status(200);
    api.delete(&format!("/api/v1/admin/showtimes/{showtime}"), Some(&admin))
        .await
        .assert_problem(409, "showtime_has_bookings");
}

#[actix_web::test]
async fn the_programme_lists_an_auditoriums_showtimes_by_the_cinemas_local_dates_cancelled_ones_too()
 {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let place = a_place(&api, &admin).await;
    let at = evening(&api);
    let early = scheduled(&api, &admin, &place, at).await;
    let late = scheduled(&api, &admin, &place, at + chrono::Duration::hours(3)).await;
    // 00:30 in Makassar the next day: still the day before in UTC.
    let after_midnight = scheduled(
        &api,
        &admin,
        &place,
        at + chrono::Duration::minutes(5 * 60 + 30),
    )
    .await;
    api.post(
        &format!("/api/v1/admin/showtimes/{early}/cancel"),
        Some(&admin),
        json!({"reason": "projector"}),
    )
    .await
    .assert_status(202);
    let day = at.with_timezone(&MAKASSAR).date_naive();
    let next = day + chrono::Days::new(1);
    let list = |from: String, to: String| {
        let api = &api;
        let admin = admin.clone();
        let auditorium = place.auditorium;
        async move {
            api.get(
                &format!("/api/v1/admin/showtimes?auditorium_id={auditorium}&from={from}&to={to}"),
                Some(&admin),
            )
            .await
        }
    };

    let one_day = list(day.to_string(), day.to_string()).await;
    let one_day = one_day.assert_status(200).clone();
    let ids: Vec<i64> = one_day
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [early, late]);
    assert_eq!(one_day[0]["status"], "cancelled");
    assert_eq!(one_day[0]["starts_at"], local(at));
    assert_eq!(one_day[0]["timezone"], "Asia/Makassar");
    assert_eq!(one_day[1]["prices"], prices());
    assert_eq!(one_day[1]["currency"], "IDR");
    assert_eq!(
        one_day[1]["ends_at"],
        local(at + chrono::Duration::hours(5))
    );

    let two_days = list(day.to_string(), next.to_string()).await;
    let ids: Vec<i64> = two_days
        .assert_status(200)
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [early, late, after_midnight]);
    let next_only = list(next.to_string(), next.to_string()).await;
    assert_eq!(next_only.assert_status(200).as_array().unwrap().len(), 1);

    list(next.to_string(), day.to_string())
        .await
        .assert_problem(422, "invalid_schedule");
    list(day.to_string(), (day + chrono::Days::new(62)).to_string())
        .await
        .assert_problem(422, "invalid_schedule");
    list(day.to_string(), (day + chrono::Days::new(61)).to_string())
        .await
        .assert_status(200);
    list("tomorrow".into(), day.to_string())
        .await
        .assert_problem(422, "invalid_fields");
    api.get(
        &format!("/api/v1/admin/showtimes?auditorium_id=9999&from={day}&to={day}"),
        Some(&admin),
    )
    .await
    .assert_problem(404, "not_found");
    api.get(
        &format!("/api/v1/admin/showtimes?from={day}&to={day}"),
        Some(&admin),
    )
    .await
    .assert_problem(422, "invalid_query");
}

#[actix_web::test]
async fn customers_are_forbidden_and_strangers_unauthenticated_on_every_showtime_admin_path() {
    let api = Api::spawn().await;
    let customer = api.customer().await;
    let at = local(evening(&api));
    let day = evening(&api)
        .with_timezone(&MAKASSAR)
        .date_naive()
        .to_string();
    let programme = format!("/api/v1/admin/showtimes?auditorium_id=1&from={day}&to={day}");
    for (method, path, body) in [
        (
            Method::POST,
            "/api/v1/admin/showtimes",
            Some(json!({"movie_id": 1, "auditorium_id": 1, "starts_at": at, "prices": prices()})),
        ),
        (
            Method::POST,
            "/api/v1/admin/showtimes/batch",
            Some(
                json!({"movie_id": 1, "auditorium_id": 1, "from": day, "to": day,
                        "times": ["12:00"], "prices": prices()}),
            ),
        ),
        (
            Method::PATCH,
            "/api/v1/admin/showtimes/1",
            Some(json!({"prices": {"regular": 1}})),
        ),
        (Method::DELETE, "/api/v1/admin/showtimes/1", None),
        (Method::GET, programme.as_str(), None),
    ] {
        api.request(method.clone(), path, Some(&customer.token), body.clone())
            .await
            .assert_problem(403, "forbidden");
        api.request(method, path, None, body)
            .await
            .assert_problem(401, "unauthenticated");
    }
    let showtimes: i64 = api
        .app
        .db()
        .query_row("SELECT count(*) FROM showtimes WHERE id = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(showtimes, 1, "showtime 1 is still there");
}
