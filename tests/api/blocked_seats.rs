//! Blocked seats: an admin takes seats of one showtime off sale and puts
//! them back (`/admin/showtimes/{id}/blocked-seats`).

use serde_json::json;

use crate::{
    helpers::{Api, Reply},
    live::Sse,
};

async fn block(api: &Api, admin: &str, showtime: i64, seats: &[&str], reason: &str) -> Reply {
    api.post(
        &format!("/api/v1/admin/showtimes/{showtime}/blocked-seats"),
        Some(admin),
        json!({"seats": seats, "reason": reason}),
    )
    .await
}

async fn unblock(api: &Api, admin: &str, showtime: i64, seat: &str) -> Reply {
    api.delete(
        &format!("/api/v1/admin/showtimes/{showtime}/blocked-seats/{seat}"),
        Some(admin),
    )
    .await
}

fn blocked_in_db(api: &Api, showtime: i64) -> Vec<(String, String)> {
    let conn = api.app.db();
    let mut stmt = conn
        .prepare(
            "SELECT seat_id, reason FROM blocked_seats WHERE showtime_id = ?1 ORDER BY seat_id",
        )
        .expect("query");
    stmt.query_map([showtime], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("blocked seats")
}

/// `seats_available` of the showtime in its cinema's listing for its day.
async fn listed_available(api: &Api, showtime: i64) -> i64 {
    let detail = api
        .get(&format!("/api/v1/showtimes/{showtime}"), None)
        .await;
    let detail = detail.assert_status(200);
    let cinema = detail["cinema"]["id"].as_i64().expect("cinema id");
    let date = &detail["starts_at"].as_str().expect("starts_at")[..10];
    let listing = api
        .get(
            &format!("/api/v1/cinemas/{cinema}/showtimes?date={date}"),
            None,
        )
        .await;
    listing
        .assert_status(200)
        .as_array()
        .expect("showtimes")
        .iter()
        .find(|s| s["id"] == showtime)
        .expect("the showtime is listed")["seats_available"]
        .as_i64()
        .expect("seats_available")
}

#[actix_web::test]
async fn a_blocked_seat_cannot_be_held_shows_blocked_and_after_unblocking_can_be_held() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let admin = api.admin().await;
    let ani = api.customer().await;
    let available = listed_available(&api, showtime).await;

    let blocked = block(&api, &admin, showtime, &["C5", "C6"], "broken seat").await;
    let body = blocked.assert_status(200);
    assert_eq!(body["blocked"], json!(["C5", "C6"]));
    assert_eq!(body["changed"], true);
    assert_eq!(
        blocked_in_db(&api, showtime),
        [
            ("C5".to_string(), "broken seat".to_string()),
            ("C6".to_string(), "broken seat".to_string())
        ]
    );

    let map = api.seat_map(showtime, None).await;
    assert_eq!(Api::status_of(&map, "C5"), "blocked");
    assert_eq!(Api::status_of(&map, "C7"), "available");
    let doc = api
        .get(&format!("/api/v1/showtimes/{showtime}/seats"), None)
        .await;
    let doc = doc.assert_status(200);
    assert_eq!(
        doc["seats_available"].as_i64(),
        doc["seats_total"].as_i64().map(|t| t - 2)
    );
    assert_eq!(listed_available(&api, showtime).await, available - 2);

    let refused = api.hold(&ani, showtime, &["C4", "C5"]).await;
    refused.assert_problem(409, "seat_unavailable");
    assert_eq!(refused.body["seats"], json!(["C5"]));
    let held = api.hold(&ani, showtime, &["C4"]).await;
    let booking = held.assert_status(201)["id"]
        .as_str()
        .expect("id")
        .to_string();
    api.post(
        &format!("/api/v1/bookings/{booking}/seats"),
        Some(&ani.token),
        json!({"seat": "C6"}),
    )
    .await
    .assert_problem(409, "seat_unavailable");

    let back = unblock(&api, &admin, showtime, "C5").await;
    let body = back.assert_status(200);
    assert_eq!(body["blocked"], json!(["C6"]));
    assert_eq!(body["changed"], true);
    assert_eq!(
        Api::status_of(&api.seat_map(showtime, None).await, "C5"),
        "available"
    );
    api.post(
        &format!("/api/v1/bookings/{booking}/seats"),
        Some(&ani.token),
        json!({"seat": "C5"}),
    )
    .await
    .assert_status(200);
    assert_eq!(blocked_in_db(&api, showtime).len(), 1);
}

#[actix_web::test]
async fn a_held_or_sold_seat_cannot_be_blocked_and_then_nothing_is_blocked() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let admin = api.admin().await;
    let (ani, budi) = (api.customer().await, api.customer().await);
    api.buy(&ani, showtime, &["D1"]).await;
    api.hold(&budi, showtime, &["D2"]).await.assert_status(201);

    let refused = block(&api, &admin, showtime, &["D3", "D1", "D2"], "press").await;
    refused.assert_problem(409, "seat_unavailable");
    assert_eq!(refused.body["seats"], json!(["D1", "D2"]));
    assert!(blocked_in_db(&api, showtime).is_empty(), "all or none");
    assert_eq!(
        Api::status_of(&api.seat_map(showtime, None).await, "D3"),
        "available"
    );

    block(&api, &admin, showtime, &["Z99"], "press")
        .await
        .assert_problem(422, "unknown_seat");
    block(&api, &admin, showtime, &["D3"], "  ")
        .await
        .assert_problem(422, "invalid_reason");
    block(&api, &admin, showtime, &["D3"], &"x".repeat(201))
        .await
        .assert_problem(422, "invalid_reason");
    block(&api, &admin, showtime, &[], "press")
        .await
        .assert_problem(422, "no_seats");
    assert!(blocked_in_db(&api, showtime).is_empty());

    api.cancel(&admin, showtime).await.assert_status(202);
    block(&api, &admin, showtime, &["D3"], "press")
        .await
        .assert_problem(409, "showtime_cancelled");
}

#[actix_web::test]
async fn blocks_survive_a_restart_and_cancelling_keeps_them() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let admin = api.admin().await;
    block(&api, &admin, showtime, &["E2", "E3"], "house seats")
        .await
        .assert_status(200);
    unblock(&api, &admin, showtime, "E3")
        .await
        .assert_status(200);

    let api = Api::with(api.app.restart().await);
    let map = api.seat_map(showtime, None).await;
    assert_eq!(Api::status_of(&map, "E2"), "blocked");
    assert_eq!(Api::status_of(&map, "E3"), "available");
    let ani = api.customer().await;
    api.hold(&ani, showtime, &["E2"])
        .await
        .assert_problem(409, "seat_unavailable");

    let admin = api.admin().await;
    api.cancel(&admin, showtime).await.assert_status(202);
    assert_eq!(blocked_in_db(&api, showtime).len(), 1);
    assert_eq!(
        Api::status_of(&api.seat_map(showtime, None).await, "E2"),
        "blocked"
    );
}

#[actix_web::test]
async fn the_live_stream_carries_blocked_and_unblocked() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let admin = api.admin().await;
    let mut sse = Sse::open(&api, showtime, None).await;
    assert_eq!(sse.next().await.name, "snapshot");

    block(&api, &admin, showtime, &["F1", "F2"], "broken")
        .await
        .assert_status(200);
    let (event, changes) = sse.changes().await;
    assert_eq!(event.name, "seats");
    assert_eq!(
        changes,
        [
            (
                "F1".to_string(),
                "blocked".to_string(),
                "blocked".to_string()
            ),
            (
                "F2".to_string(),
                "blocked".to_string(),
                "blocked".to_string()
            )
        ]
    );
    unblock(&api, &admin, showtime, "F1")
        .await
        .assert_status(200);
    let (_, changes) = sse.changes().await;
    assert_eq!(
        changes,
        [(
            "F1".to_string(),
            "available".to_string(),
            "unblocked".to_string()
        )]
    );
}

#[actix_web::test]
async fn customers_get_403_on_the_blocked_seats_paths() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let ani = api.customer().await;
    block(&api, &ani.token, showtime, &["A1"], "mine now")
        .await
        .assert_problem(403, "forbidden");
    unblock(&api, &ani.token, showtime, "A1")
        .await
        .assert_problem(403, "forbidden");
    api.post(
        &format!("/api/v1/admin/showtimes/{showtime}/blocked-seats"),
        None,
        json!({"seats": ["A1"], "reason": "x"}),
    )
    .await
    .assert_problem(401, "unauthenticated");
    assert!(blocked_in_db(&api, showtime).is_empty());
}

#[actix_web::test]
async fn each_block_and_unblock_leaves_its_audit_row_and_a_repeat_says_it_changed_nothing() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let admin = api.admin().await;
    let admin_id = api.get("/api/v1/me", Some(&admin)).await.assert_status(200)["id"]
        .as_i64()
        .expect("id");
    block(&api, &admin, showtime, &["G1"], "broken")
        .await
        .assert_status(200);
    let again = block(&api, &admin, showtime, &["G1"], "broken").await;
    assert_eq!(again.assert_status(200)["changed"], false);
    unblock(&api, &admin, showtime, "G1")
        .await
        .assert_status(200);
    let again = unblock(&api, &admin, showtime, "G1").await;
    assert_eq!(again.assert_status(200)["changed"], false);

    let rows = api.audit_trail();
    let kinds: Vec<(&str, bool)> = rows.iter().map(|r| (r.1.as_str(), r.5)).collect();
    assert_eq!(
        kinds,
        [
            ("seats.block", true),
            ("seats.block", false),
            ("seats.unblock", true),
            ("seats.unblock", false)
        ],
        "{rows:?}"
    );
    let target = format!("showtime:{showtime}");
    assert!(
        rows.iter().all(|r| r.0 == Some(admin_id) && r.2 == target),
        "{rows:?}"
    );
    assert_eq!(rows[0].3.as_ref().expect("before")["blocked"], json!([]));
    assert_eq!(rows[0].4.as_ref().expect("after")["seats"], json!(["G1"]));
    assert_eq!(rows[0].4.as_ref().expect("after")["reason"], "broken");
    assert_eq!(rows[2].4.as_ref().expect("after")["seat"], "G1");
    assert_eq!(rows[2].4.as_ref().expect("after")["blocked"], json!([]));
}
