//! The `live` scenario: many Server-Sent Events subscribers follow one
//! showtime's seat map over HTTP while a customer holds and releases seats;
//! how long each change takes to reach every subscriber, counted from the
//! moment the customer's request was sent.

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::{
    fixture,
    load::{self, Latencies, send},
    report::{Report, fmt},
    server::{Engine, ServerProcess},
};

/// A change as subscribers see it: (seat, reason).
type Change = (String, String);

pub async fn live(subscribers: usize, changes: usize) -> anyhow::Result<Report> {
    let mut report = Report::new("live");
    let fixture = fixture::prepare(1)?;
    let mut conn = fixture.connect()?;
    let showtime = fixture::big_showtimes(&mut conn, 1)?[0];
    let seats = fixture::seat_ids(&conn, showtime)?;
    drop(conn);
    let server = ServerProcess::spawn(Engine::Actors, fixture.dir.path(), "0 * * * * *")?;
    let base = server.base.clone();

    // Subscribers, each on its own keep-alive connection.
    let listeners = load::client(subscribers + 1);
    let (seen, mut arrivals) = mpsc::unbounded_channel::<(Change, Instant)>();
    let snapshots = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::with_capacity(subscribers);
    for _ in 0..subscribers {
        let (http, seen, snapshots) = (listeners.clone(), seen.clone(), snapshots.clone());
        let url = format!("{base}/api/v1/showtimes/{showtime}/seats/events");
        tasks.push(tokio::spawn(async move {
            let Ok(mut response) = http
                .get(url)
                .timeout(Duration::from_secs(3600))
                .send()
                .await
            else {
                return;
            };
            let mut buffer = String::new();
            while let Ok(Some(chunk)) = response.chunk().await {
                let at = Instant::now();
                buffer.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buffer.find("\n\n") {
                    let frame: String = buffer.drain(..end + 2).collect();
                    if frame.contains("event: snapshot") {
                        snapshots.fetch_add(1, Ordering::Relaxed);
                    }
                    let Some(data) = frame.lines().find_map(|l| l.strip_prefix("data: ")) else {
                        continue;
                    };
                    let data: Value = serde_json::from_str(data).unwrap_or(Value::Null);
                    for change in data["changes"].as_array().into_iter().flatten() {
                        let key = (
                            change["seat"].as_str().unwrap_or_default().to_string(),
                            change["reason"].as_str().unwrap_or_default().to_string(),
                        );
                        let _ = seen.send((key, at));
                    }
                }
            }
        }));
    }
    drop(seen);
    let deadline = Instant::now() + Duration::from_secs(60);
    while snapshots.load(Ordering::Relaxed) < subscribers {
        if Instant::now() > deadline {
            report.fail(format!(
                "only {} of {subscribers} subscribers got their snapshot",
                snapshots.load(Ordering::Relaxed)
            ));
            return Ok(report);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // One customer holds a seat and releases it, `changes` times.
    let http = load::client(2);
    let token = fixture.tokens[0].clone();
    let mut sent: Vec<(Change, Instant)> = Vec::new();
    let mut holds = Latencies::new();
    for i in 0..changes.div_ceil(2) {
        let seat = seats[i % seats.len()].clone();
        let at = Instant::now();
        let held = send(
            http.post(format!("{base}/api/v1/bookings"))
                .bearer_auth(&token)
                .json(&json!({"showtime_id": showtime, "seats": [seat]})),
        )
        .await;
        holds.record(held.took);
        sent.push(((seat.clone(), "locked".into()), at));
        let booking = held.body["id"].as_str().unwrap_or_default().to_string();
        tokio::time::sleep(Duration::from_millis(20)).await;
        let at = Instant::now();
        send(
            http.delete(format!("{base}/api/v1/bookings/{booking}"))
                .bearer_auth(&token),
        )
        .await;
        sent.push(((seat, "released".into()), at));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Collect every arrival, then pair it with its change.
    let expected = sent.len() * subscribers;
    let mut got: HashMap<Change, Vec<Instant>> = HashMap::new();
    let mut received = 0;
    let deadline = Instant::now() + Duration::from_secs(30);
    while received < expected {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, arrivals.recv()).await {
            Ok(Some((change, at))) => {
                got.entry(change).or_default().push(at);
                received += 1;
            }
            _ => break,
        }
    }
    for task in tasks {
        task.abort();
    }
    let mut delivery = Latencies::new();
    let mut missing = 0;
    for (change, at) in &sent {
        let arrived = got.get(change).map_or(&[][..], Vec::as_slice);
        missing += subscribers.saturating_sub(arrived.len());
        for when in arrived {
            delivery.record(when.saturating_duration_since(*at));
        }
    }
    let worst = delivery.ms(1.0);
    report.actors(
        "subscribers (one showtime)",
        subscribers.to_string(),
        "",
        None,
    );
    report.actors(
        "changes x subscribers delivered",
        format!("{received}/{expected}"),
        "all",
        Some(missing == 0),
    );
    report.actors(
        "delivery p50 / p99 / max (ms)",
        format!(
            "{} / {} / {}",
            fmt(delivery.ms(0.5)),
            fmt(delivery.ms(0.99)),
            fmt(worst)
        ),
        "every subscriber within 250 ms",
        Some(missing == 0 && worst <= 250.0),
    );
    report.actors(
        "hold p50 / p99 (ms)",
        format!("{} / {}", fmt(holds.ms(0.5)), fmt(holds.ms(0.99))),
        "",
        None,
    );
    if missing > 0 {
        report.fail(format!("{missing} deliveries never arrived"));
    }
    report.set(
        "actors",
        json!({
            "subscribers": subscribers,
            "changes": sent.len(),
            "delivered": received,
            "delivery_ms": {"p50": delivery.ms(0.5), "p99": delivery.ms(0.99), "max": worst},
            "hold_ms": {"p50": holds.ms(0.5), "p99": holds.ms(0.99)},
        }),
    );
    Ok(report)
}
