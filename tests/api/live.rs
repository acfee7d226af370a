//! The live seat map: Server-Sent Events from the showtime actor.

use std::time::Duration;

use bioskop::seats::actor::{CountSubscribers, Subscribe};
use serde_json::Value;

use crate::helpers::Api;

/// One received event.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) data: Value,
}

/// A streaming client of `/seats/events` (also used by `blocked_seats.rs`).
pub(crate) struct Sse {
    response: reqwest::Response,
    buffer: String,
}

impl Sse {
    pub(crate) async fn open(api: &Api, showtime: i64, last_event_id: Option<u64>) -> Sse {
        let mut request = api.http.get(
            api.app
                .url(&format!("/api/v1/showtimes/{showtime}/seats/events")),
        );
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id.to_string());
        }
        let response = request.send().await.expect("the stream opens");
        assert_eq!(response.status(), 200);
        assert_eq!(
            response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("text/event-stream")
        );
        Sse {
            response,
            buffer: String::new(),
        }
    }

    pub(crate) async fn next(&mut self) -> Event {
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut id, mut name, mut data) = (None, String::from("message"), String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id: ") {
                        id = v.parse().ok();
                    } else if let Some(v) = line.strip_prefix("event: ") {
                        name = v.to_string();
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        data.push_str(v);
                    }
                }
                if data.is_empty() {
                    continue; // retry:, heartbeats
                }
                return Event {
                    id: id.unwrap_or_default(),
                    name,
                    data: serde_json::from_str(&data).expect("event data is JSON"),
                };
            }
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.response.chunk())
                .await
                .expect("an event within 10 s")
                .expect("the stream reads")
                .expect("the stream stays open");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// The next event with changes, as (seat, status, reason) triples.
    pub(crate) async fn changes(&mut self) -> (Event, Vec<(String, String, String)>) {
        let event = self.next().await;
        let changes = event.data["changes"]
            .as_array()
            .map(|changes| {
                changes
                    .iter()
                    .map(|c| {
                        (
                            c["seat"].as_str().unwrap_or_default().to_string(),
                            c["status"].as_str().unwrap_or_default().to_string(),
                            c["reason"].as_str().unwrap_or_default().to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        (event, changes)
    }
}

fn change(seat: &str, status: &str, reason: &str) -> Vec<(String, String, String)> {
    vec![(seat.into(), status.into(), reason.into())]
}

#[actix_web::test]
async fn two_subscribers_see_a_hold_a_release_and_a_sale_in_order_and_a_reconnect_misses_nothing() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let (ani, budi) = (api.customer().await, api.customer().await);
    let mut first = Sse::open(&api, showtime, None).await;
    let mut second = Sse::open(&api, showtime, None).await;
    for sse in [&mut first, &mut second] {
        let snapshot = sse.next().await;
        assert_eq!(snapshot.name, "snapshot");
        assert_eq!(
            snapshot.data["seats_available"],
            snapshot.data["seats_total"]
        );
    }

    let held = api.hold(&ani, showtime, &["A1"]).await;
    let booking = held.assert_status(201)["id"]
        .as_str()
        .expect("id")
        .to_string();
    let (locked, seen) = first.changes().await;
    assert_eq!(seen, change("A1", "locked", "locked"));
    let (locked_too, seen) = second.changes().await;
    assert_eq!(seen, change("A1", "locked", "locked"));
    assert_eq!(locked.id, locked_too.id);
    assert!(
        !locked.data.to_string().contains("mine"),
        "no owner in events"
    );

    // The second subscriber goes away; changes go on.
    let last_seen = locked_too.id;
    drop(second);
    api.delete(&format!("/api/v1/bookings/{booking}"), Some(&ani.token))
        .await
        .assert_status(204);
    let (released, seen) = first.changes().await;
    assert_eq!(seen, change("A1", "available", "released"));
    assert!(released.id > locked.id);
    api.buy(&budi, showtime, &["B1"]).await;
    let (_, seen) = first.changes().await;
    assert_eq!(seen, change("B1", "locked", "locked"));
    let (sold, seen) = first.changes().await;
    assert_eq!(seen, change("B1", "sold", "sold"));

    // Back with Last-Event-ID: exactly the three events it missed, in order.
    let mut second = Sse::open(&api, showtime, Some(last_seen)).await;
    let (again, seen) = second.changes().await;
    assert_eq!(again.id, released.id);
    assert_eq!(seen[0].0, "A1");
    let (_, seen) = second.changes().await;
    assert_eq!(seen, change("B1", "locked", "locked"));
    let (again, seen) = second.changes().await;
    assert_eq!((again.id, seen), (sold.id, change("B1", "sold", "sold")));

    // And both follow what comes next.
    api.hold(&ani, showtime, &["C1"]).await.assert_status(201);
    for sse in [&mut first, &mut second] {
        assert_eq!(sse.changes().await.1, change("C1", "locked", "locked"));
    }
}

#[actix_web::test]
async fn expiry_and_cancellation_reach_subscribers() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let showtime = api.app.bookable_showtime().await;
    let (ani, budi) = (api.customer().await, api.customer().await);
    api.buy(&budi, showtime, &["D1"]).await;
    let mut sse = Sse::open(&api, showtime, None).await;
    assert_eq!(sse.next().await.name, "snapshot");

    api.hold(&ani, showtime, &["A1"]).await.assert_status(201);
    assert_eq!(sse.changes().await.1, change("A1", "locked", "locked"));
    api.app.advance(Duration::from_secs(600));
    api.app.sweep().await;
    assert_eq!(sse.changes().await.1, change("A1", "available", "expired"));

    api.cancel(&admin, showtime).await.assert_status(202);
    let (event, seen) = sse.changes().await;
    assert_eq!(event.name, "showtime_cancelled");
    assert_eq!(event.data["showtime_status"], "cancelled");
    assert_eq!(seen, change("D1", "available", "refunded"));
}

#[actix_web::test]
async fn a_thousand_subscribers_of_one_showtime_all_receive_a_change() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let actor = api.showtime_actor(showtime).await;
    let mut subscriptions = Vec::new();
    for _ in 0..1000 {
        let subscription = actor
            .send(Subscribe {
                last_event_id: None,
            })
            .await
            .expect("subscribed");
        assert_eq!(subscription.initial.len(), 1, "a snapshot each");
        subscriptions.push(subscription);
    }
    assert_eq!(actor.send(CountSubscribers).await.expect("count"), 1000);
    let ani = api.customer().await;
    api.hold(&ani, showtime, &["E5"]).await.assert_status(201);
    for subscription in &mut subscriptions {
        let frame = tokio::time::timeout(Duration::from_secs(5), subscription.events.recv())
            .await
            .expect("delivered")
            .expect("a frame");
        let text = String::from_utf8_lossy(&frame);
        assert!(
            text.contains("\"seat\":\"E5\"") && text.contains("locked"),
            "{text}"
        );
    }
    drop(subscriptions);
    // Gone subscribers are forgotten at the next change.
    api.hold(&api.customer().await, showtime, &["E6"])
        .await
        .assert_status(201);
    assert_eq!(actor.send(CountSubscribers).await.expect("count"), 0);
}

#[actix_web::test]
async fn a_subscriber_that_stops_reading_is_dropped_and_told_to_resync_without_slowing_anyone() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let actor = api.showtime_actor(showtime).await;
    let stalled = actor
        .send(Subscribe {
            last_event_id: None,
        })
        .await
        .expect("subscribed");
    let mut reading = Sse::open(&api, showtime, None).await;
    reading.next().await;

    let ani = api.customer().await;
    let capacity = bioskop::seats::live::SUBSCRIBER_BUFFER;
    let mut last = None;
    for i in 0..capacity + 10 {
        let seat = if i % 2 == 0 { "A1" } else { "A2" };
        let held = api.hold(&ani, showtime, &[seat]).await;
        let booking = held.assert_status(201)["id"]
            .as_str()
            .expect("id")
            .to_string();
        api.delete(&format!("/api/v1/bookings/{booking}"), Some(&ani.token))
            .await
            .assert_status(204);
        // The reader keeps up and sees every change.
        assert_eq!(reading.changes().await.1[0].0, seat);
        last = Some(reading.changes().await.0);
    }
    assert!(
        stalled
            .overflowed
            .load(std::sync::atomic::Ordering::Acquire),
        "the stalled subscriber was dropped"
    );
    let mut events = stalled.events;
    let mut buffered = 0;
    while events.recv().await.is_some() {
        buffered += 1;
    }
    assert_eq!(buffered, capacity, "its buffer was bounded, then closed");
    assert_eq!(actor.send(CountSubscribers).await.expect("count"), 1);

    // A client told to resync comes back with its last id: replayed or snapshot.
    let mut back = Sse::open(&api, showtime, last.map(|e| e.id)).await;
    api.hold(&ani, showtime, &["B9"]).await.assert_status(201);
    assert_eq!(back.changes().await.1, change("B9", "locked", "locked"));
}

/// Live streams are bounded per client address (429) and in all (503), and a
/// stream's place comes back when it ends.
#[actix_web::test]
async fn live_streams_are_bounded_per_address_and_in_all_and_a_closed_one_frees_its_place() {
    let api = Api::with(
        bioskop::testkit::TestApp::spawn_with(|s| {
            s.http.trusted_proxies = vec!["127.0.0.1".parse().expect("an address")];
            s.http.max_sse_per_client = 2;
            s.http.max_sse = 3;
        })
        .await,
    );
    let showtime = api.app.bookable_showtime().await;
    let open = |address: &'static str| {
        let api = &api;
        async move {
            api.http
                .get(
                    api.app
                        .url(&format!("/api/v1/showtimes/{showtime}/seats/events")),
                )
                .header("X-Forwarded-For", address)
                .send()
                .await
                .expect("an answer")
        }
    };
    let first = open("203.0.113.1").await;
    let second = open("203.0.113.1").await;
    assert_eq!(
        (first.status().as_u16(), second.status().as_u16()),
        (200, 200)
    );
    let third = open("203.0.113.1").await;
    assert_eq!(third.status(), 429);
    let problem: Value = third.json().await.unwrap();
    assert_eq!(problem["code"], "too_many_streams");
    // Another address has its own places, up to the total.
    let other = open("203.0.113.2").await;
    assert_eq!(other.status(), 200);
    let over = open("203.0.113.3").await;
    assert_eq!(over.status(), 503);
    assert!(over.headers().contains_key("retry-after"));
    // A closed stream gives its place back: the server notices a client that
    // went away at the stream's next write (a heartbeat, 15 s at most).
    drop(first);
    let mut reopened = None;
    for _ in 0..100 {
        let again = open("203.0.113.1").await;
        if again.status() == 200 {
            reopened = Some(again);
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(reopened.is_some(), "the closed stream's place came back");
    assert_eq!(api.app.state.streams.open(), 3);
    drop((second, other, reopened));
}
