//! No seat hoarding: a customer's seats at once across showtimes, re-holding
//! a seat they released, and holds started per hour are each limited.

use std::time::Duration;

use serde_json::json;

use crate::helpers::Api;

async fn limited(adjust: impl FnOnce(&mut bioskop::config::Settings)) -> Api {
    Api::with(bioskop::testkit::TestApp::spawn_with(adjust).await)
}

#[actix_web::test]
async fn a_customer_holds_at_most_the_limit_of_seats_across_all_showtimes() {
    let api = limited(|s| s.booking.max_seats_per_customer = 4).await;
    let showtimes = api.app.bookable_showtimes(3).await;
    let ani = api.customer().await;
    let first = api.hold(&ani, showtimes[0], &["A1", "A2", "A3"]).await;
    let first = first.assert_status(201)["id"].as_str().unwrap().to_string();
    api.hold(&ani, showtimes[1], &["A1", "A2"])
        .await
        .assert_problem(409, "hold_limit");
    let second = api.hold(&ani, showtimes[1], &["A1"]).await;
    let second = second.assert_status(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    api.post(
        &format!("/api/v1/bookings/{second}/seats"),
        Some(&ani.token),
        json!({"seat": "A2"}),
    )
    .await
    .assert_problem(409, "hold_limit");
    // Another customer is not limited by Ani's seats.
    let budi = api.customer().await;
    api.hold(&budi, showtimes[2], &["A1", "A2", "A3", "A4"])
        .await
        .assert_status(201);
    // Paid seats are no longer held: room again.
    let payment = api.pay(&ani, &first).await;
    api.sandbox(&ani.token, &payment, "success")
        .await
        .assert_status(200);
    api.hold(&ani, showtimes[2], &["B1", "B2"])
        .await
        .assert_status(201);
}

#[actix_web::test]
async fn two_tabs_of_one_customer_cannot_both_pass_the_seat_limit() {
    let api = limited(|s| s.booking.max_seats_per_customer = 2).await;
    let showtimes = api.app.bookable_showtimes(2).await;
    let ani = api.customer().await;
    let (one, two) = tokio::join!(
        api.hold(&ani, showtimes[0], &["C1", "C2"]),
        api.hold(&ani, showtimes[1], &["C1", "C2"])
    );
    let mut statuses = [one.status.as_u16(), two.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409], "{one:?} {two:?}");
}

#[actix_web::test]
async fn a_released_seat_cannot_be_held_again_by_its_releaser_until_the_cooldown_ends() {
    let api = limited(|s| s.booking.rehold_cooldown = Duration::from_secs(120)).await;
    let showtime = api.app.bookable_showtime().await;
    let ani = api.customer().await;
    let held = api.hold(&ani, showtime, &["D1", "D2"]).await;
    let booking = held.assert_status(201)["id"].as_str().unwrap().to_string();
    api.delete(
        &format!("/api/v1/bookings/{booking}/seats/D2"),
        Some(&ani.token),
    )
    .await
    .assert_status(200);
    let again = api
        .post(
            &format!("/api/v1/bookings/{booking}/seats"),
            Some(&ani.token),
            json!({"seat": "D2"}),
        )
        .await;
    again.assert_problem(409, "rehold_cooldown");
    assert_eq!(again.body["seats"], json!(["D2"]));
    assert_eq!(again.body["retry_after"], 120);

    // Deleting the booking: none of its seats comes back to Ani at once.
    api.delete(&format!("/api/v1/bookings/{booking}"), Some(&ani.token))
        .await
        .assert_status(204);
    api.hold(&ani, showtime, &["D1"])
        .await
        .assert_problem(409, "rehold_cooldown");
    // Anyone else may take them.
    let budi = api.customer().await;
    let taken = api.hold(&budi, showtime, &["D2"]).await;
    let taken = taken.assert_status(201)["id"].as_str().unwrap().to_string();
    api.delete(&format!("/api/v1/bookings/{taken}"), Some(&budi.token))
        .await
        .assert_status(204);
    // After the cooldown, Ani holds D1 again.
    api.app.advance(Duration::from_secs(120));
    api.hold(&ani, showtime, &["D1"]).await.assert_status(201);
}

#[actix_web::test]
async fn a_customer_starts_at_most_the_limit_of_holds_in_an_hour() {
    let api = limited(|s| s.booking.max_holds_per_customer_per_hour = 3).await;
    let showtime = api.app.bookable_showtime().await;
    let ani = api.customer().await;
    for seat in ["E1", "E2", "E3"] {
        let held = api.hold(&ani, showtime, &[seat]).await;
        let booking = held.assert_status(201)["id"].as_str().unwrap().to_string();
        api.delete(&format!("/api/v1/bookings/{booking}"), Some(&ani.token))
            .await
            .assert_status(204);
    }
    let refused = api.hold(&ani, showtime, &["E4"]).await;
    refused.assert_problem(429, "hold_rate");
    let retry_after = refused.body["retry_after"].as_u64().unwrap();
    assert!((3590..=3600).contains(&retry_after), "{retry_after}");
    // Others still hold; and an hour later, Ani does too.
    let budi = api.customer().await;
    api.hold(&budi, showtime, &["E5"]).await.assert_status(201);
    api.app.advance(Duration::from_secs(3600));
    api.hold(&ani, showtime, &["E4"]).await.assert_status(201);
}
