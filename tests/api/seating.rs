//! The seating rules of DESIGN 4c over HTTP: no lone seats.

use bioskop::testkit::TestApp;
use serde_json::{Value, json};

use crate::helpers::Api;

async fn with_the_gap_rule() -> Api {
    Api::with(TestApp::spawn_with(|s| s.booking.no_single_gap = true).await)
}

/// The first three seats of a row, side by side and regular, from the map.
async fn row_start(api: &Api, showtime: i64) -> [String; 3] {
    let map = api
        .get(&format!("/api/v1/showtimes/{showtime}/seats"), None)
        .await;
    let seats = map.assert_status(200)["seats"].as_array().unwrap().clone();
    let at = |row: &Value, col: i64| {
        seats
            .iter()
            .find(|s| s["grid_row"] == *row && s["grid_col"] == col && s["class"] == "regular")
            .map(|s| s["id"].as_str().unwrap().to_string())
    };
    for seat in &seats {
        let col = seat["grid_col"].as_i64().unwrap();
        let row = &seat["grid_row"];
        let first_of_row = !seats
            .iter()
            .any(|s| s["grid_row"] == *row && s["grid_col"].as_i64().unwrap() < col);
        if first_of_row
            && let (Some(a), Some(b), Some(c)) = (at(row, col), at(row, col + 1), at(row, col + 2))
        {
            return [a, b, c];
        }
    }
    panic!("no row starts with three regular seats side by side");
}

#[actix_web::test]
async fn a_hold_that_would_leave_a_lone_seat_is_refused_with_alternatives_that_keep_the_rule() {
    let api = with_the_gap_rule().await;
    let showtime = api.app.bookable_showtime().await;
    let [first, second, _] = row_start(&api, showtime).await;
    let ani = api.customer().await;

    let refused = api.hold(&ani, showtime, &[&second]).await;
    refused.assert_problem(409, "single_seat_gap");
    assert_eq!(refused.body["seats"], json!([first]));
    let alternatives = refused.body["alternatives"].as_array().unwrap().clone();
    assert!(!alternatives.is_empty() && alternatives.len() <= 3);
    for set in &alternatives {
        assert_eq!(set.as_array().unwrap().len(), 1, "{set}");
    }
    // Nothing was held.
    assert_eq!(
        Api::status_of(&api.seat_map(showtime, None).await, &second),
        "available"
    );
    // An alternative keeps to the rule: it is held.
    let pick = alternatives[0][0].as_str().unwrap();
    api.hold(&ani, showtime, &[pick]).await.assert_status(201);
}

#[actix_web::test]
async fn taking_a_seat_out_of_the_middle_of_a_held_block_is_refused_and_an_end_one_is_not() {
    let api = with_the_gap_rule().await;
    let showtime = api.app.bookable_showtime().await;
    let [first, second, third] = row_start(&api, showtime).await;
    let ani = api.customer().await;
    let held = api.hold(&ani, showtime, &[&first, &second, &third]).await;
    let booking = held.assert_status(201)["id"].as_str().unwrap().to_string();

    let middle = api
        .delete(
            &format!("/api/v1/bookings/{booking}/seats/{second}"),
            Some(&ani.token),
        )
        .await;
    middle.assert_problem(409, "single_seat_gap");
    assert_eq!(middle.body["seats"], json!([second]));
    // The booking's own seats that may go instead.
    assert!(
        middle.body["alternatives"]
            .as_array()
            .unwrap()
            .contains(&json!([third]))
    );
    // Not the row's first seat: it would be alone beside the row's end.
    api.delete(
        &format!("/api/v1/bookings/{booking}/seats/{first}"),
        Some(&ani.token),
    )
    .await
    .assert_problem(409, "single_seat_gap");
    api.delete(
        &format!("/api/v1/bookings/{booking}/seats/{third}"),
        Some(&ani.token),
    )
    .await
    .assert_status(200);
}

#[actix_web::test]
async fn adding_a_seat_that_would_leave_a_lone_one_is_refused() {
    let api = with_the_gap_rule().await;
    let showtime = api.app.bookable_showtime().await;
    let [first, _, third] = row_start(&api, showtime).await;
    let ani = api.customer().await;
    let held = api.hold(&ani, showtime, &[&first]).await;
    let booking = held.assert_status(201)["id"].as_str().unwrap().to_string();
    let added = api
        .post(
            &format!("/api/v1/bookings/{booking}/seats"),
            Some(&ani.token),
            json!({"seat": third}),
        )
        .await;
    added.assert_problem(409, "single_seat_gap");
}
