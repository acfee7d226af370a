//! Memory given back: idle showtime actors stop, and bookings that ended
//! long ago leave memory (and are not loaded at start) while every answer
//! about them stays the same.

use std::time::Duration;

use bioskop::seats::actor::CountRemembered;

use crate::{helpers::Api, live::Sse};

const IDLE_AFTER: Duration = Duration::from_secs(600);
const TTL: Duration = Duration::from_secs(600);
const HOUR: Duration = Duration::from_secs(3600);

fn running(api: &Api) -> usize {
    api.app.state.registry.running()
}

fn loads(api: &Api) -> u64 {
    api.app.state.registry.loads()
}

#[actix_web::test]
async fn an_idle_showtime_actor_stops_and_a_later_request_loads_it_again() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let ani = api.customer().await;
    let held = api.hold(&ani, showtime, &["D4"]).await;
    let booking = held.assert_status(201)["id"].as_str().unwrap().to_string();
    let payment = api.pay(&ani, &booking).await;
    api.sandbox(&ani.token, &payment, "success")
        .await
        .assert_status(200);
    let before = api.seat_map(showtime, None).await;
    let (running_before, loads_before) = (running(&api), loads(&api));
    assert!(running_before >= 1);

    // Used a moment ago: it stays.
    assert_eq!(api.app.stop_idle_showtimes(IDLE_AFTER).await, 0);

    api.app.advance(IDLE_AFTER);
    assert!(api.app.stop_idle_showtimes(IDLE_AFTER).await >= 1);
    assert!(running(&api) < running_before, "the idle actor left");

    // The next request loads it again, with everything it had.
    let after = api.seat_map(showtime, None).await;
    assert_eq!(loads(&api), loads_before + 1);
    assert_eq!(Api::status_of(&after, "D4"), "sold");
    assert_eq!(after, before);
    let budi = api.customer().await;
    api.hold(&budi, showtime, &["D4"])
        .await
        .assert_problem(409, "seat_unavailable");
    api.hold(&budi, showtime, &["D5"]).await.assert_status(201);
}

#[actix_web::test]
async fn an_actor_with_a_hold_a_live_subscriber_or_a_request_under_way_does_not_stop() {
    let api = Api::spawn().await;
    let showtimes = api.app.bookable_showtimes(3).await;
    let (with_hold, watched, in_use) = (showtimes[0], showtimes[1], showtimes[2]);
    let ani = api.customer().await;
    api.hold(&ani, with_hold, &["E1"]).await.assert_status(201);
    let mut stream = Sse::open(&api, watched, None).await;
    assert_eq!(stream.next().await.name, "snapshot");
    let lent = api.showtime_actor(in_use).await;

    // Nobody asked for any of them for longer than the idle time, and the
    // hold has not lapsed yet.
    api.app.advance(TTL - Duration::from_secs(1));
    assert_eq!(
        api.app.stop_idle_showtimes(Duration::from_secs(60)).await,
        0
    );
    assert_eq!(running(&api), 3);

    // The request ends and the hold lapses and is swept: those two stop;
    // the stream is still open, so its showtime stays.
    drop(lent);
    api.app.advance(Duration::from_secs(1));
    assert_eq!(api.app.sweep().await.released, 1);
    assert_eq!(
        api.app.stop_idle_showtimes(Duration::from_secs(60)).await,
        2
    );
    assert_eq!(running(&api), 1);
    let watched_actor = api.showtime_actor(watched).await;
    assert_eq!(
        watched_actor
            .send(bioskop::seats::actor::CountSubscribers)
            .await
            .unwrap(),
        1
    );
    drop(watched_actor);
    drop(stream);
    assert_eq!(
        Api::status_of(&api.seat_map(with_hold, None).await, "E1"),
        "available"
    );
}

#[actix_web::test]
async fn a_showtime_that_is_over_stops_without_waiting_for_the_idle_time() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let ends_at: i64 = api
        .app
        .db()
        .query_row(
            "SELECT ends_at FROM showtime_places WHERE showtime_id = ?1",
            [showtime],
            |r| r.get(0),
        )
        .unwrap();
    let now = bioskop::clock::to_millis(api.app.now());
    api.app
        .advance(Duration::from_millis(u64::try_from(ends_at - now).unwrap()));
    assert!(!api.seat_map(showtime, None).await.is_empty());
    assert_eq!(api.app.stop_idle_showtimes(IDLE_AFTER).await, 1);
    assert_eq!(running(&api), 0);
}

#[actix_web::test]
async fn bookings_that_ended_long_ago_leave_memory_and_every_answer_about_them_stays_the_same() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let ani = api.customer().await;
    let budi = api.customer().await;
    let cici = api.customer().await;
    // Ani pays; Budi starts paying and his hold lapses; Cici gives hers up.
    let ani_booking = api.hold(&ani, showtime, &["F1"]).await.assert_status(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let ani_payment = api.pay(&ani, &ani_booking).await;
    api.sandbox(&ani.token, &ani_payment, "success")
        .await
        .assert_status(200);
    let budi_booking = api.hold(&budi, showtime, &["F5"]).await.assert_status(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let budi_payment = api.pay(&budi, &budi_booking).await;
    let cici_booking = api.hold(&cici, showtime, &["F9"]).await.assert_status(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let release = format!("/api/v1/bookings/{cici_booking}");
    let released = api.delete(&release, Some(&cici.token)).await;
    assert!(released.status.is_success());
    api.app.advance(TTL);
    assert_eq!(api.app.sweep().await.released, 1);
    let remembered = || async {
        api.showtime_actor(showtime)
            .await
            .send(CountRemembered)
            .await
            .unwrap()
    };
    assert_eq!(remembered().await, (3, 2), "just ended: still in memory");
    let answers_before = (
        api.delete(&release, Some(&cici.token)).await.status,
        api.post(
            &format!("/api/v1/bookings/{budi_booking}/seats"),
            Some(&budi.token),
            serde_json::json!({"seat": "F6"}),
        )
        .await,
    );

    // An hour later the sweep forgets the ended ones; the paid one stays.
    api.app.advance(HOUR);
    api.app.sweep().await;
    assert_eq!(remembered().await, (1, 1));

    // The same answers as before, from the database.
    assert_eq!(
        api.delete(&release, Some(&cici.token)).await.status,
        answers_before.0
    );
    let late_add = api
        .post(
            &format!("/api/v1/bookings/{budi_booking}/seats"),
            Some(&budi.token),
            serde_json::json!({"seat": "F6"}),
        )
        .await;
    assert_eq!(late_add.status, answers_before.1.status);
    assert_eq!(late_add.body["code"], answers_before.1.body["code"]);
    assert_eq!(late_add.body["code"], "booking_expired");

    // Budi's money arrives late, twice: his seat is still free, so it buys
    // it once, and the duplicate changes nothing.
    let late = api.sandbox(&budi.token, &budi_payment, "success").await;
    assert_eq!(late.assert_status(200)["outcome"], "paid_after_expiry");
    let again = api.sandbox(&budi.token, &budi_payment, "success").await;
    again.assert_status(200);
    assert_eq!(
        Api::status_of(&api.seat_map(showtime, None).await, "F5"),
        "sold"
    );
    let tickets: i64 = api
        .app
        .db()
        .query_row(
            "SELECT COUNT(*) FROM tickets WHERE showtime_id = ?1 AND seat_id = 'F5'",
            [showtime],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tickets, 1);

    // After a restart only what belongs in memory is loaded.
    let api = Api::with(api.app.restart().await);
    let (bookings, payments) = api
        .showtime_actor(showtime)
        .await
        .send(CountRemembered)
        .await
        .unwrap();
    assert_eq!((bookings, payments), (2, 2), "the two paid bookings");
}
