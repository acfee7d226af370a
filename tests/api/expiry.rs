//! Holds that run out, with the manual clock.

use std::time::Duration;

use serde_json::json;

use crate::helpers::Api;

const TTL: Duration = Duration::from_secs(600);

#[actix_web::test]
async fn a_hold_is_available_to_others_right_after_its_ttl_and_the_sweep_records_it() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let ani = api.customer().await;
    let budi = api.customer().await;
    let held = api.hold(&ani, showtime, &["H1"]).await;
    let booking_id = held.assert_status(201)["id"]
        .as_str()
        .expect("id")
        .to_string();

    api.app.advance(TTL - Duration::from_millis(1));
    assert_eq!(
        Api::status_of(&api.seat_map(showtime, None).await, "H1"),
        "locked"
    );
    api.hold(&budi, showtime, &["H1"])
        .await
        .assert_problem(409, "seat_unavailable");

    api.app.advance(Duration::from_millis(1));
    // Reads treat it as available before any sweep ran.
    assert_eq!(
        Api::status_of(&api.seat_map(showtime, None).await, "H1"),
        "available"
    );
    let summary = api
        .get(&format!("/api/v1/bookings/{booking_id}"), Some(&ani.token))
        .await;
    assert_eq!(summary.assert_status(200)["status"], "expired");
    assert_eq!(
        api.booking_status_in_db(&booking_id),
        "held",
        "not yet swept"
    );

    let report = api.app.sweep().await;
    assert_eq!(report.released, 1);
    assert_eq!(api.booking_status_in_db(&booking_id), "expired");
    assert!(api.occupancy(showtime).is_empty());
    assert_eq!(
        api.app.sweep().await.released,
        0,
        "a second sweep finds nothing"
    );
    api.hold(&budi, showtime, &["H1"]).await.assert_status(201);
}

#[actix_web::test]
async fn another_customer_takes_an_expired_seat_before_the_sweep() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let ani = api.customer().await;
    let budi = api.customer().await;
    let held = api.hold(&ani, showtime, &["H2", "H3"]).await;
    let booking_id = held.assert_status(201)["id"]
        .as_str()
        .expect("id")
        .to_string();
    api.app.advance(TTL);
    api.hold(&budi, showtime, &["H3"]).await.assert_status(201);
    assert_eq!(api.booking_status_in_db(&booking_id), "expired");
    let owners = api.occupancy(showtime);
    assert_eq!(
        owners.len(),
        1,
        "H2 was released with the rest of Ani's booking"
    );
    assert_eq!(owners[0].0, "H3");
}

#[actix_web::test]
async fn adding_seats_does_not_extend_the_hold() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let ani = api.customer().await;
    let held = api.hold(&ani, showtime, &["J1"]).await;
    let held = held.assert_status(201).clone();
    let booking_id = held["id"].as_str().expect("id");

    api.app.advance(Duration::from_secs(540));
    let added = api
        .post(
            &format!("/api/v1/bookings/{booking_id}/seats"),
            Some(&ani.token),
            json!({"seat": "J2"}),
        )
        .await;
    assert_eq!(added.assert_status(200)["expires_at"], held["expires_at"]);
    api.app.advance(Duration::from_secs(60));
    assert_eq!(api.app.sweep().await.released, 1);
    let map = api.seat_map(showtime, None).await;
    assert_eq!(Api::status_of(&map, "J1"), "available");
    assert_eq!(Api::status_of(&map, "J2"), "available");
    let late_add = api
        .post(
            &format!("/api/v1/bookings/{booking_id}/seats"),
            Some(&ani.token),
            json!({"seat": "J3"}),
        )
        .await;
    late_add.assert_problem(409, "booking_expired");
}

#[actix_web::test]
async fn a_payment_success_after_expiry_never_gives_a_seat_a_second_owner() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let ani = api.customer().await;
    let budi = api.customer().await;
    let cici = api.customer().await;

    // Ani's seat is taken by Budi after her hold expired: her money is marked for refund.
    let ani_booking = api.hold(&ani, showtime, &["K1"]).await;
    let ani_booking = ani_booking.assert_status(201)["id"]
        .as_str()
        .expect("id")
        .to_string();
    let ani_payment = api.pay(&ani, &ani_booking).await;
    // Cici's seat stays free after her hold expired: her late payment still buys it.
    let cici_booking = api.hold(&cici, showtime, &["K5"]).await;
    let cici_booking = cici_booking.assert_status(201)["id"]
        .as_str()
        .expect("id")
        .to_string();
    let cici_payment = api.pay(&cici, &cici_booking).await;

    api.app.advance(TTL);
    assert_eq!(api.app.sweep().await.released, 2);
    let budi_booking = api.hold(&budi, showtime, &["K1"]).await;
    let budi_booking = budi_booking.assert_status(201)["id"]
        .as_str()
        .expect("id")
        .to_string();

    let late = api.sandbox(&ani.token, &ani_payment, "success").await;
    assert_eq!(late.assert_status(200)["outcome"], "refund_required");
    let owners = api.occupancy(showtime);
    assert!(owners.contains(&("K1".to_string(), budi_booking.clone(), "locked".to_string())));
    let (status, reason): (String, Option<String>) = api
        .app
        .db()
        .query_row(
            "SELECT status, refund_reason FROM payments WHERE id = ?1",
            [&ani_payment],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("payment");
    assert_eq!(status, "succeeded");
    assert_eq!(reason.as_deref(), Some("seats_no_longer_available"));
    let ani_tickets = api.get("/api/v1/tickets", Some(&ani.token)).await;
    assert_eq!(
        ani_tickets.assert_status(200).as_array().map(Vec::len),
        Some(0)
    );

    let cici_late = api.sandbox(&cici.token, &cici_payment, "success").await;
    assert_eq!(cici_late.assert_status(200)["outcome"], "paid_after_expiry");
    assert_eq!(
        Api::status_of(&api.seat_map(showtime, None).await, "K5"),
        "sold"
    );
    assert_eq!(api.booking_status_in_db(&cici_booking), "paid");
    let valid_tickets_per_seat: i64 = api
        .app
        .db()
        .query_row(
            "SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM tickets WHERE showtime_id = ?1 AND status = 'valid' GROUP BY seat_id)",
            [showtime],
            |r| r.get(0),
        )
        .expect("tickets");
    assert_eq!(valid_tickets_per_seat, 1);
}
