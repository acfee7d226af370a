//! A cinema cancels a showtime: refunds on the embedded queue (no broker),
//! with the manual clock driving the back-off between attempts.

use std::time::Duration;

use serde_json::json;

use crate::helpers::{Api, CancelledSale, all};

const PATIENCE: Duration = Duration::from_secs(15);

#[actix_web::test]
async fn cancelling_a_showtime_refunds_every_buyer_exactly_once() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let showtime = api.app.bookable_showtime().await;
    let (ani, budi, citra, dewi, eka) = (
        api.customer().await,
        api.customer().await,
        api.customer().await,
        api.customer().await,
        api.customer().await,
    );
    let mut payments = vec![
        api.buy(&ani, showtime, &["A1", "A2"]).await.1,
        api.buy(&budi, showtime, &["B1"]).await.1,
        api.buy(&citra, showtime, &["C1", "C2", "C3"]).await.1,
    ];
    payments.sort();
    api.hold(&dewi, showtime, &["D1"]).await.assert_status(201);
    let awaiting = api.hold(&eka, showtime, &["E1"]).await;
    let awaiting = awaiting.assert_status(201)["id"]
        .as_str()
        .expect("id")
        .to_string();
    api.pay(&eka, &awaiting).await;

    let cancelled = api.cancel(&admin, showtime).await;
    let body = cancelled.assert_status(202);
    assert_eq!(body["status"], "cancelled");
    assert_eq!(body["already_cancelled"], false);
    assert_eq!(body["tickets_refunded"], 6);
    assert_eq!(body["refunds_queued"], 3);
    assert_eq!(body["bookings_voided"], 2);

    // Committed together with the cancellation, before any refund ran.
    assert!(api.occupancy(showtime).is_empty(), "every seat is free");
    let conn = api.app.db();
    let showtime_status: String = conn
        .query_row(
            "SELECT status FROM showtimes WHERE id = ?1",
            [showtime],
            |r| r.get(0),
        )
        .expect("showtime");
    assert_eq!(showtime_status, "cancelled");
    let live_tickets: i64 = conn
        .query_row(
            "SELECT count(*) FROM tickets WHERE showtime_id = ?1 AND status <> 'refunded'",
            [showtime],
            |r| r.get(0),
        )
        .expect("tickets");
    assert_eq!(live_tickets, 0);
    assert_eq!(api.booking_status_in_db(&awaiting), "voided");
    let refunded = api.refunds_of(showtime);
    assert_eq!(
        refunded
            .iter()
            .map(|r| r.payment_id.clone())
            .collect::<Vec<_>>(),
        payments
    );

    // No new holds; the map says so.
    api.hold(&dewi, showtime, &["F1"])
        .await
        .assert_problem(409, "showtime_cancelled");
    let map = api
        .get(&format!("/api/v1/showtimes/{showtime}/seats"), None)
        .await;
    let map = map.assert_status(200);
    assert_eq!(map["status"], "cancelled");
    assert_eq!(map["seats_available"], map["seats_total"]);

    let refunds = api
        .wait_for_refunds(showtime, PATIENCE, all("succeeded"))
        .await;
    for refund in &refunds {
        assert_eq!(refund.attempts, 1);
        assert_eq!(api.sandbox_ledger(&refund.payment_id), (1, 1), "paid once");
        assert_eq!(api.attempts_of(&refund.id), ["succeeded"]);
    }
    assert_eq!(api.notifications("showtime_cancelled").len(), 3);
    let told: Vec<String> = api
        .notifications("refund_succeeded")
        .into_iter()
        .map(|(channel, to)| format!("{channel}:{to}"))
        .collect();
    for customer in [&ani, &budi, &citra] {
        assert!(
            told.contains(&format!("email:{}", customer.email)),
            "{told:?}"
        );
    }

    // Again: nothing changes, no second refund.
    let again = api.cancel(&admin, showtime).await;
    let again = again.assert_status(202);
    assert_eq!(again["already_cancelled"], true);
    assert_eq!(again["refunds_queued"], 0);
    assert_eq!(again["tickets_refunded"], 0);
    assert_eq!(api.refunds_of(showtime).len(), 3);

    let listed = api
        .get("/api/v1/admin/refunds?status=succeeded", Some(&admin))
        .await;
    let listed = listed.assert_status(200).as_array().expect("list").clone();
    assert_eq!(listed.len(), 3);
    assert!(
        listed
            .iter()
            .all(|r| r["attempts"] == 1 && r["last_error"].is_null())
    );
}

#[actix_web::test]
async fn a_refund_that_fails_twice_succeeds_on_its_third_attempt_after_the_backoff() {
    let api = Api::spawn().await;
    let CancelledSale {
        admin,
        showtime,
        payment,
        ..
    } = api
        .cancelled_sale(&["A1"], json!({"fail_next_refunds": 2}))
        .await;
    let first = api
        .wait_for_refunds(showtime, PATIENCE, |r| r[0].attempts == 1)
        .await;
    assert_eq!(first[0].status, "retrying");

    // The next attempt waits for the first back-off step (10 s).
    let round = api.refund_round().await;
    assert_eq!(round.delivered, 0, "nothing is due before the back-off");
    api.app.advance(Duration::from_secs(9));
    let round = api.refund_round().await;
    assert_eq!(round.delivered, 0, "nothing is due before the back-off");
    api.app.advance(Duration::from_secs(1));
    api.wait_for_refunds(showtime, PATIENCE, |r| r[0].attempts == 2)
        .await;
    api.app.advance(Duration::from_secs(60));
    let done = api
        .wait_for_refunds(showtime, PATIENCE, all("succeeded"))
        .await;

    assert_eq!(done[0].attempts, 3);
    assert_eq!(
        api.attempts_of(&done[0].id),
        ["transient_error", "transient_error", "succeeded"]
    );
    assert_eq!(api.sandbox_ledger(&payment), (1, 1));
    let listed = api.get("/api/v1/admin/refunds", Some(&admin)).await;
    let listed = listed.assert_status(200);
    assert_eq!(listed[0]["attempts"], 3);
}

#[actix_web::test]
async fn a_refund_failing_every_attempt_is_failed_after_five_and_the_admins_are_alerted() {
    let api = Api::spawn().await;
    let CancelledSale {
        admin,
        showtime,
        payment,
        ..
    } = api
        .cancelled_sale(&["A1"], json!({"fail_next_refunds": 10}))
        .await;

    for attempt in 1..=5 {
        api.wait_for_refunds(showtime, PATIENCE, |r| r[0].attempts == attempt)
            .await;
        api.app.advance(Duration::from_secs(15 * 60));
    }
    let failed = api
        .wait_for_refunds(showtime, PATIENCE, all("failed"))
        .await;
    // However long it waits, there is no sixth attempt.
    api.app.advance(Duration::from_secs(3600));
    let round = api.refund_round().await;
    assert_eq!(round.delivered, 0);
    assert_eq!(api.refunds_of(showtime)[0].attempts, 5);
    assert_eq!(api.attempts_of(&failed[0].id).len(), 5);
    assert_eq!(api.sandbox_ledger(&payment), (0, 0), "nothing was paid");

    let alerts = api.get("/api/v1/admin/alerts", Some(&admin)).await;
    let alerts = alerts
        .assert_status(200)
        .as_array()
        .expect("alerts")
        .clone();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["kind"], "refund_failed");
    assert_eq!(alerts[0]["subject"], failed[0].id.as_str());
    assert_eq!(
        api.notifications("refund_failed"),
        [(
            "email".to_string(),
            bioskop::testkit::ADMIN_EMAIL.to_string()
        )]
    );
    assert_eq!(api.notifications("refund_manual").len(), 1);
    let listed = api
        .get("/api/v1/admin/refunds?status=failed", Some(&admin))
        .await;
    let listed = listed.assert_status(200);
    assert!(
        listed[0]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("temporarily unavailable")),
        "{listed:?}"
    );

    let metrics = api.get("/metrics", None).await;
    let metrics = metrics.body.as_str().unwrap_or_default().to_string();
    for line in [
        "bioskop_refunds{status=\"failed\"} 1",
        "bioskop_refund_queue_up 1",
        "bioskop_refund_outbox{status=\"unpublished\"} 0",
    ] {
        assert!(metrics.contains(line), "{line} in {metrics}");
    }

    // The admin retries once the gateway is back: one more round, and it pays.
    api.sandbox_control(&admin, json!({})).await;
    let retried = api
        .post(
            &format!("/api/v1/admin/refunds/{}/retry", failed[0].id),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(retried.assert_status(202)["status"], "pending");
    let done = api
        .wait_for_refunds(showtime, PATIENCE, all("succeeded"))
        .await;
    assert_eq!(done[0].attempts, 6);
    assert_eq!(api.sandbox_ledger(&payment), (1, 1));
    // A refund that is not failed can be neither retried nor resolved.
    api.post(
        &format!("/api/v1/admin/refunds/{}/retry", failed[0].id),
        Some(&admin),
        json!({}),
    )
    .await
    .assert_problem(409, "refund_not_failed");
    api.post(
        &format!("/api/v1/admin/refunds/{}/resolve", failed[0].id),
        Some(&admin),
        json!({"note": "paid by bank transfer"}),
    )
    .await
    .assert_problem(409, "refund_not_failed");
}

#[actix_web::test]
async fn a_refund_the_gateway_refuses_fails_at_once_and_an_admin_resolves_it_by_hand() {
    let api = Api::spawn().await;
    let CancelledSale {
        admin, showtime, ..
    } = api
        .cancelled_sale(&["A1", "A2"], json!({"reject_next_refunds": 1}))
        .await;

    let failed = api
        .wait_for_refunds(showtime, PATIENCE, all("failed"))
        .await;
    assert_eq!(failed[0].attempts, 1, "no retries are burnt on a refusal");
    assert_eq!(api.attempts_of(&failed[0].id), ["permanent_error"]);
    let alerts = api.get("/api/v1/admin/alerts", Some(&admin)).await;
    assert_eq!(alerts.assert_status(200).as_array().map(Vec::len), Some(1));

    let path = format!("/api/v1/admin/refunds/{}/resolve", failed[0].id);
    api.post(&path, Some(&admin), json!({"note": "  "}))
        .await
        .assert_problem(422, "invalid_note");
    let resolved = api
        .post(
            &path,
            Some(&admin),
            json!({"note": "refunded in cash at the box office"}),
        )
        .await;
    let resolved = resolved.assert_status(200);
    assert_eq!(resolved["status"], "resolved");
    assert_eq!(
        resolved["resolution_note"],
        "refunded in cash at the box office"
    );
    let listed = api
        .get("/api/v1/admin/refunds?status=resolved", Some(&admin))
        .await;
    assert_eq!(listed.assert_status(200).as_array().map(Vec::len), Some(1));
}

#[actix_web::test]
async fn a_payment_that_succeeds_after_the_showtime_was_cancelled_is_refunded() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let showtime = api.app.bookable_showtime().await;
    let ani = api.customer().await;
    let held = api.hold(&ani, showtime, &["A1"]).await;
    let booking = held.assert_status(201)["id"]
        .as_str()
        .expect("id")
        .to_string();
    let payment = api.pay(&ani, &booking).await;
    api.cancel(&admin, showtime).await.assert_status(202);

    let late = api.sandbox(&ani.token, &payment, "success").await;
    let late = late.assert_status(200);
    assert_eq!(late["outcome"], "refund_required");
    assert_eq!(late["reason"], "showtime_cancelled");
    // A duplicate of the same notification queues nothing more.
    api.sandbox(&ani.token, &payment, "success")
        .await
        .assert_status(200);

    let refunds = api
        .wait_for_refunds(showtime, PATIENCE, all("succeeded"))
        .await;
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0].payment_id, payment);
    assert_eq!(api.sandbox_ledger(&payment), (1, 1));
}

#[actix_web::test]
async fn a_payment_that_succeeds_after_its_seat_was_resold_is_refunded() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let (ani, budi) = (api.customer().await, api.customer().await);
    let held = api.hold(&ani, showtime, &["A1"]).await;
    let booking = held.assert_status(201)["id"]
        .as_str()
        .expect("id")
        .to_string();
    let payment = api.pay(&ani, &booking).await;
    api.app.advance(Duration::from_secs(600));
    api.buy(&budi, showtime, &["A1"]).await;

    let late = api.sandbox(&ani.token, &payment, "success").await;
    assert_eq!(
        late.assert_status(200)["reason"],
        "seats_no_longer_available"
    );
    let refunds = api
        .wait_for_refunds(showtime, PATIENCE, all("succeeded"))
        .await;
    assert_eq!(refunds.len(), 1, "only Ani's payment is refunded");
    assert_eq!(refunds[0].payment_id, payment);
    assert_eq!(api.sandbox_ledger(&payment), (1, 1));
}

#[actix_web::test]
async fn refunds_waiting_for_their_next_attempt_survive_a_restart() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let showtime = api.app.bookable_showtime().await;
    let (ani, budi) = (api.customer().await, api.customer().await);
    let paid = [
        api.buy(&ani, showtime, &["A1"]).await.1,
        api.buy(&budi, showtime, &["B1"]).await.1,
    ];
    api.sandbox_control(&admin, json!({"fail_next_refunds": 2}))
        .await;
    api.cancel(&admin, showtime).await.assert_status(202);
    api.wait_for_refunds(showtime, PATIENCE, all("retrying"))
        .await;

    let api = Api::with(api.app.restart().await);
    api.app.advance(Duration::from_secs(10));
    let done = api
        .wait_for_refunds(showtime, PATIENCE, all("succeeded"))
        .await;
    assert!(done.iter().all(|r| r.attempts == 2), "{done:?}");
    for payment in paid {
        assert_eq!(api.sandbox_ledger(&payment), (1, 1));
    }
}

#[actix_web::test]
async fn admin_paths_refuse_customers_and_explain_bad_requests() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let showtime = api.app.bookable_showtime().await;
    let ani = api.customer().await;
    let token = Some(ani.token.as_str());

    api.cancel(&ani.token, showtime)
        .await
        .assert_problem(403, "forbidden");
    for path in [
        "/api/v1/admin/refunds",
        "/api/v1/admin/alerts",
        "/api/v1/admin/notifications",
    ] {
        api.get(path, token).await.assert_problem(403, "forbidden");
        api.get(path, None)
            .await
            .assert_problem(401, "unauthenticated");
    }
    api.post("/sandbox/control", token, json!({"fail_next_refunds": 1}))
        .await
        .assert_problem(403, "forbidden");
    // A refund's own paths are admin paths like the others: 403 whether or
    // not the refund exists, so they tell a customer nothing about it.
    api.buy(&ani, showtime, &["A1"]).await;
    api.cancel(&admin, showtime).await.assert_status(202);
    let refund = api.refunds_of(showtime)[0].id.clone();
    for refund in [refund.as_str(), "no-such-refund"] {
        for action in ["retry", "resolve"] {
            api.post(
                &format!("/api/v1/admin/refunds/{refund}/{action}"),
                token,
                json!({"note": "mine now"}),
            )
            .await
            .assert_problem(403, "forbidden");
        }
    }

    api.post(
        &format!("/api/v1/admin/showtimes/{showtime}/cancel"),
        Some(&admin),
        json!({"reason": ""}),
    )
    .await
    .assert_problem(422, "invalid_reason");
    api.cancel(&admin, 999_999)
        .await
        .assert_problem(404, "not_found");
    api.get("/api/v1/admin/refunds?status=lost", Some(&admin))
        .await
        .assert_problem(422, "invalid_status");
    api.post(
        "/sandbox/control",
        Some(&admin),
        json!({"fail_next_refunds": -1}),
    )
    .await
    .assert_problem(422, "invalid_body");
    api.post("/api/v1/admin/refunds/nope/retry", Some(&admin), json!({}))
        .await
        .assert_problem(404, "not_found");
}

#[actix_web::test]
async fn duplicate_deliveries_of_an_attempt_pay_once_and_record_once() {
    use bioskop::refunds::{Handled, RefundMessage};

    let api = Api::spawn().await;
    let admin = api.admin().await;
    let showtime = api.app.bookable_showtime().await;
    let ani = api.customer().await;
    let (_, payment) = api.buy(&ani, showtime, &["A1"]).await;
    // Slow answers keep the duplicates in flight together.
    api.sandbox_control(&admin, json!({"refund_answer_delay_ms": 300}))
        .await;
    api.cancel(&admin, showtime).await.assert_status(202);
    let refund = api.refunds_of(showtime)[0].id.clone();
    let message = RefundMessage {
        refund_id: refund.clone().into(),
        attempt: 1,
    };
    let refunds = &api.app.state.refunds;
    let (first, second) = tokio::join!(refunds.deliver(&message), refunds.deliver(&message));
    let handled = [first.expect("first"), second.expect("second")];
    assert!(
        handled.iter().filter(|h| **h == Handled::Succeeded).count() <= 1,
        "{handled:?}"
    );
    let done = api
        .wait_for_refunds(showtime, PATIENCE, all("succeeded"))
        .await;
    assert_eq!(done[0].attempts, 1);
    assert_eq!(api.attempts_of(&refund), ["succeeded"]);
    assert_eq!(api.sandbox_ledger(&payment).0, 1, "one refund paid");

    // Delivered again later: nothing happens, the gateway is not even asked.
    let calls = api.sandbox_ledger(&payment).1;
    assert_eq!(
        refunds.deliver(&message).await.expect("late"),
        Handled::Stale
    );
    assert_eq!(api.sandbox_ledger(&payment).1, calls);
    assert_eq!(api.attempts_of(&refund), ["succeeded"]);
}

#[actix_web::test]
async fn an_attempt_the_queue_took_and_lost_is_queued_again_after_requeue_after() {
    let api = Api::spawn().await;
    let CancelledSale {
        showtime, payment, ..
    } = api
        .cancelled_sale(&["A1"], json!({"fail_next_refunds": 1}))
        .await;
    api.wait_for_refunds(showtime, PATIENCE, all("retrying"))
        .await;
    // The queue takes attempt 2 and loses it (a broker reset, say).
    api.app
        .state
        .store
        .write(|conn| {
            Ok(conn.execute(
                "UPDATE refund_outbox SET published_at = created_at WHERE published_at IS NULL",
                [],
            )?)
        })
        .await
        .expect("lose the message");
    api.app.advance(Duration::from_secs(60));
    let round = api.refund_round().await;
    assert_eq!((round.delivered, round.requeued), (0, 0), "{round:?}");
    assert_eq!(api.refunds_of(showtime)[0].attempts, 1, "stuck for now");

    let requeued_before = api.app.state.refunds.requeued_total();
    api.app.advance(Duration::from_secs(10 * 60));
    // This round, or the queue's own loop if it ticks first, queues it again.
    let round = api.refund_round().await;
    let done = api
        .wait_for_refunds(showtime, PATIENCE, all("succeeded"))
        .await;
    assert_eq!(
        api.app.state.refunds.requeued_total() - requeued_before,
        1,
        "queued again exactly once ({round:?})"
    );
    assert_eq!(done[0].attempts, 2);
    assert_eq!(api.sandbox_ledger(&payment), (1, 1));
}

#[actix_web::test]
async fn a_payment_that_succeeds_after_the_showtime_started_is_refunded_not_sold() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let ani = api.customer().await;
    let held = api.hold(&ani, showtime, &["A1"]).await;
    let booking = held.assert_status(201)["id"]
        .as_str()
        .expect("id")
        .to_string();
    let payment = api.pay(&ani, &booking).await;
    api.app.advance(Duration::from_secs(3 * 86_400));

    let late = api.sandbox(&ani.token, &payment, "success").await;
    let late = late.assert_status(200);
    assert_eq!(late["outcome"], "refund_required", "{late}");
    assert_eq!(late["reason"], "showtime_started");
    assert!(api.occupancy(showtime).is_empty(), "no seat was sold");
    let refunds = api
        .wait_for_refunds(showtime, PATIENCE, all("succeeded"))
        .await;
    assert_eq!(refunds[0].payment_id, payment);
}
