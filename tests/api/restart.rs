//! Stopping the system and building it again from the same database file.

use std::time::Duration;

use crate::helpers::Api;

#[actix_web::test]
async fn a_restart_rebuilds_the_same_seat_map_and_releases_holds_that_expired_while_down() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let ani = api.customer().await;
    let budi = api.customer().await;

    let sold = api.hold(&ani, showtime, &["B1", "B2"]).await;
    let sold = sold.assert_status(201)["id"]
        .as_str()
        .expect("id")
        .to_string();
    let payment = api.pay(&ani, &sold).await;
    api.sandbox(&ani.token, &payment, "success")
        .await
        .assert_status(200);
    api.app.advance(Duration::from_secs(300));
    let held = api.hold(&budi, showtime, &["B5"]).await;
    let held = held.assert_status(201)["id"]
        .as_str()
        .expect("id")
        .to_string();
    let before = api.seat_map(showtime, Some(&budi.token)).await;

    let app = api.app.restart().await;
    let api = Api::with(app);
    let after = api.seat_map(showtime, Some(&budi.token)).await;
    assert_eq!(after, before, "the same seat map after a restart");
    assert_eq!(Api::status_of(&after, "B1"), "sold");
    assert!(
        after
            .iter()
            .any(|(id, status, mine)| id == "B5" && status == "locked" && *mine)
    );

    // Budi's hold runs out while the system is down: released at start, before any sweep.
    let api = Api::with(api.app.restart_after(Duration::from_secs(600)).await);
    assert_eq!(api.booking_status_in_db(&held), "expired");
    let owners = api.occupancy(showtime);
    assert_eq!(owners.len(), 2);
    assert!(
        owners
            .iter()
            .all(|(_, booking, state)| booking == &sold && state == "sold")
    );
    let map = api.seat_map(showtime, None).await;
    assert_eq!(Api::status_of(&map, "B5"), "available");
    assert_eq!(Api::status_of(&map, "B2"), "sold");
    // Sessions survive the restart too.
    api.get("/api/v1/me", Some(&ani.token))
        .await
        .assert_status(200);
}

/// One showtime whose rows do not load (a hand-edited database) does not
/// stop the server: the admins are alerted, that showtime answers 503, the
/// others sell on.
#[actix_web::test]
async fn a_showtime_that_cannot_be_loaded_is_reported_and_the_rest_of_the_cinema_runs() {
    let api = Api::spawn().await;
    let showtimes = api.app.bookable_showtimes(2).await;
    let (damaged, healthy) = (showtimes[0], showtimes[1]);
    let ani = api.customer().await;
    api.hold(&ani, damaged, &["A1"]).await.assert_status(201);
    api.hold(&ani, healthy, &["A1"]).await.assert_status(201);
    let edit = rusqlite::Connection::open(api.app.db_path()).unwrap();
    edit.busy_timeout(std::time::Duration::from_secs(5))
        .unwrap();
    edit.execute(
            "INSERT INTO blocked_seats (showtime_id, seat_id, reason, blocked_at) VALUES (?1, 'Z99', 'edited by hand', 0)",
            [damaged],
        )
        .unwrap();
    drop(edit);

    let api = Api::with(api.app.restart().await);
    api.get(&format!("/api/v1/showtimes/{damaged}/seats"), None)
        .await
        .assert_problem(503, "showtime_unavailable");
    let budi = api.customer().await;
    api.hold(&budi, healthy, &["A2"]).await.assert_status(201);
    let admin = api.admin().await;
    let alerts = api.get("/api/v1/admin/alerts", Some(&admin)).await;
    let alerts = alerts.assert_status(200).as_array().unwrap().clone();
    let alert = alerts
        .iter()
        .find(|a| a["kind"] == "showtime_unavailable")
        .unwrap_or_else(|| panic!("no alert in {alerts:?}"));
    assert!(alert["message"].as_str().unwrap().contains("Z99"));
}
