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

/// The showtime's seats from its public map.
async fn seats_of(api: &Api, showtime: i64) -> Vec<Value> {
    api.get(&format!("/api/v1/showtimes/{showtime}/seats"), None)
        .await
        .assert_status(200)["seats"]
        .as_array()
        .unwrap()
        .clone()
}

async fn best(
    api: &Api,
    who: &crate::helpers::Customer,
    showtime: i64,
    count: u32,
) -> crate::helpers::Reply {
    api.post(
        &format!("/api/v1/showtimes/{showtime}/best-seats"),
        Some(&who.token),
        json!({"count": count}),
    )
    .await
}

fn held_ids(reply: &crate::helpers::Reply) -> Vec<String> {
    reply.body["seats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect()
}

#[actix_web::test]
async fn the_best_seats_of_an_empty_house_are_side_by_side_in_the_ideal_row_and_respect_holds() {
    let api = with_the_gap_rule().await;
    let showtime = api.app.bookable_showtime().await;
    let seats = seats_of(&api, showtime).await;
    let rows = seats
        .iter()
        .map(|s| s["grid_row"].as_i64().unwrap())
        .max()
        .unwrap()
        + 1;
    let ideal = (0.6 * (rows - 1) as f64).round() as i64;
    let place = |id: &str| {
        let seat = seats.iter().find(|s| s["id"] == id).unwrap();
        (
            seat["grid_row"].as_i64().unwrap(),
            seat["grid_col"].as_i64().unwrap(),
        )
    };

    let ani = api.customer().await;
    let first = best(&api, &ani, showtime, 2).await;
    first.assert_status(201);
    let ani_seats = held_ids(&first);
    assert_eq!(ani_seats.len(), 2);
    let (row_a, col_a) = place(&ani_seats[0]);
    let (row_b, col_b) = place(&ani_seats[1]);
    assert_eq!(
        (row_a, row_b),
        (ideal, ideal),
        "{ani_seats:?} in the ideal row"
    );
    assert_eq!((col_a - col_b).abs(), 1, "{ani_seats:?} side by side");

    // The next customer gets other seats, and nobody's seat is left alone.
    let budi = api.customer().await;
    let second = best(&api, &budi, showtime, 2).await;
    second.assert_status(201);
    let budi_seats = held_ids(&second);
    assert!(budi_seats.iter().all(|s| !ani_seats.contains(s)));
    assert_eq!(
        Api::status_of(&api.seat_map(showtime, None).await, &budi_seats[0]),
        "locked"
    );
}

#[actix_web::test]
async fn a_house_without_enough_adjacent_seats_answers_not_enough_adjacent_with_its_largest_block()
{
    let api = with_the_gap_rule().await;
    let showtime = api.app.bookable_showtime().await;
    // Every other seat off sale: no two free seats side by side.
    let every_other: Vec<String> = seats_of(&api, showtime)
        .await
        .iter()
        .filter(|s| s["grid_col"].as_i64().unwrap() % 2 == 0)
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    let admin = api.admin().await;
    api.post(
        &format!("/api/v1/admin/showtimes/{showtime}/blocked-seats"),
        Some(&admin),
        json!({"seats": every_other, "reason": "a test of fragments"}),
    )
    .await
    .assert_status(200);
    let ani = api.customer().await;
    let refused = best(&api, &ani, showtime, 2).await;
    refused.assert_problem(409, "not_enough_adjacent");
    assert_eq!(refused.body["largest_block"], 1);
    best(&api, &ani, showtime, 1).await.assert_status(201);
}

#[actix_web::test]
async fn fifty_customers_asking_for_the_best_seats_at_once_never_share_one() {
    let api = with_the_gap_rule().await;
    let showtime = api.app.bookable_showtime().await;
    let mut customers = Vec::new();
    for _ in 0..50 {
        customers.push(api.customer().await);
    }
    let answers =
        futures_util::future::join_all(customers.iter().map(|who| best(&api, who, showtime, 2)))
            .await;
    let mut held = std::collections::HashSet::new();
    for answer in &answers {
        match answer.status.as_u16() {
            201 => {
                for seat in held_ids(answer) {
                    assert!(held.insert(seat.clone()), "{seat} given twice");
                }
            }
            _ => answer.assert_problem(409, "not_enough_adjacent"),
        }
    }
    assert!(held.len() >= 2);
    // What the answers say is what the database holds.
    let locked: i64 = api
        .app
        .db()
        .query_row(
            "SELECT COUNT(*) FROM seat_occupancy WHERE showtime_id = ?1",
            [showtime],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(locked, i64::try_from(held.len()).unwrap());
}

/// A showtime in an auditorium of one row `R W W R` (two wheelchair spaces
/// between regular seats) and a row of four regular seats.
async fn a_wheelchair_showtime(api: &Api, admin: &str) -> i64 {
    let place = api.a_makassar_place(admin).await;
    let auditorium = api
        .post(
            &format!("/api/v1/admin/cinemas/{}/auditoriums", place.cinema),
            Some(admin),
            json!({"name": "Studio Akses", "classes": {"R": "regular", "W": "wheelchair"},
                   "rows": ["RWWR", "RRRR"]}),
        )
        .await;
    let auditorium = auditorium.assert_status(201)["id"].as_i64().unwrap();
    let zone = chrono_tz::Asia::Makassar;
    let day = api.app.now().with_timezone(&zone).date_naive() + chrono::Days::new(3);
    let starts = day
        .and_hms_opt(19, 0, 0)
        .unwrap()
        .and_local_timezone(zone)
        .single()
        .unwrap();
    let created = api
        .post(
            "/api/v1/admin/showtimes",
            Some(admin),
            json!({"movie_id": place.movie, "auditorium_id": auditorium,
                   "starts_at": starts.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
                   "prices": {"regular": 50_000, "wheelchair": 50_000}}),
        )
        .await;
    created.assert_status(201)["id"].as_i64().unwrap()
}

#[actix_web::test]
async fn a_customer_holds_a_wheelchair_space_only_with_its_companion_seat_and_the_box_office_may_hold_one_alone()
 {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let showtime = a_wheelchair_showtime(&api, &admin).await;
    let ani = api.customer().await;

    let alone = api.hold(&ani, showtime, &["A2"]).await;
    alone.assert_problem(409, "wheelchair_companion");
    assert_eq!(alone.body["seats"], json!(["A2"]));
    // Another wheelchair space is no companion.
    api.hold(&ani, showtime, &["A2", "A3"])
        .await
        .assert_problem(409, "wheelchair_companion");
    let held = api.hold(&ani, showtime, &["A1", "A2"]).await;
    let booking = held.assert_status(201)["id"].as_str().unwrap().to_string();
    // The companion cannot leave the space behind.
    api.delete(
        &format!("/api/v1/bookings/{booking}/seats/A1"),
        Some(&ani.token),
    )
    .await
    .assert_problem(409, "wheelchair_companion");

    // At the box office an admin holds the other space alone, and may add
    // and take out seats around it.
    let counter = api
        .post(
            "/api/v1/bookings",
            Some(&admin),
            json!({"showtime_id": showtime, "seats": ["A3"]}),
        )
        .await;
    let counter = counter.assert_status(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    api.post(
        &format!("/api/v1/bookings/{counter}/seats"),
        Some(&admin),
        json!({"seat": "A4"}),
    )
    .await
    .assert_status(200);
    api.delete(
        &format!("/api/v1/bookings/{counter}/seats/A4"),
        Some(&admin),
    )
    .await
    .assert_status(200);
}
