//! Real money through Midtrans, against a stand-in that answers as Midtrans'
//! documentation says (`midtrans_standin`): opening a Snap transaction,
//! signed notifications confirmed by the status API, reconciliation,
//! challenges, refunds and a gateway that is down or slow.

use std::time::{Duration, Instant};

use bioskop::{config::Settings, testkit::TestApp};
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::{
    helpers::{Api, Customer, Reply},
    midtrans_standin::MidtransStandIn,
};

const SERVER_KEY: &str = "SB-Mid-server-bioskop-tests";
const NOTIFICATION: &str = "/api/v1/payments/midtrans/notification";
const PATIENCE: Duration = Duration::from_secs(15);

/// The system with Midtrans (the stand-in) as its payment provider.
async fn spawn(adjust: impl FnOnce(&mut Settings)) -> (Api, MidtransStandIn) {
    let standin = MidtransStandIn::start(SERVER_KEY);
    let url = standin.url();
    let app = TestApp::spawn_with(|s| {
        s.payments.provider = "midtrans".into();
        s.payments.midtrans.server_key = SecretString::from(SERVER_KEY);
        s.payments.midtrans.client_key = SecretString::from("SB-Mid-client-bioskop-tests");
        s.payments.midtrans.api_url = url.clone();
        s.payments.midtrans.snap_url = url;
        s.payments.midtrans.connect_timeout = Duration::from_secs(1);
        s.payments.midtrans.request_timeout = Duration::from_secs(2);
        adjust(s);
    })
    .await;
    (Api::with(app), standin)
}

/// A customer holding `seats` of a bookable showtime: (customer, showtime, booking).
async fn held(api: &Api, seats: &[&str]) -> (Customer, i64, String) {
    let showtime = api.app.bookable_showtime().await;
    let customer = api.customer().await;
    let booking = api
        .hold(&customer, showtime, seats)
        .await
        .assert_status(201)["id"]
        .as_str()
        .expect("booking id")
        .to_string();
    (customer, showtime, booking)
}

async fn start_payment(api: &Api, who: &Customer, booking: &str) -> Reply {
    api.post(
        &format!("/api/v1/bookings/{booking}/payment"),
        Some(&who.token),
        json!({}),
    )
    .await
}

async fn notify(api: &Api, body: &Value) -> Reply {
    api.post(NOTIFICATION, None, body.clone()).await
}

async fn booking(api: &Api, who: &Customer, booking: &str) -> Value {
    api.get(&format!("/api/v1/bookings/{booking}"), Some(&who.token))
        .await
        .assert_status(200)
        .clone()
}

fn count(api: &Api, sql: &str, arg: &str) -> i64 {
    api.app
        .db()
        .query_row(sql, [arg], |r| r.get(0))
        .expect("a count")
}

fn alerts_of_kind(api: &Api, kind: &str) -> i64 {
    count(
        api,
        "SELECT count(*) FROM admin_alerts WHERE kind = ?1",
        kind,
    )
}

/// Waits until the showtime's refunds satisfy `done` (the queue runs in the
/// background), nudging it.
async fn wait_for_refund(
    api: &Api,
    payment: &str,
    done: impl Fn(&str, i64) -> bool,
) -> (String, i64, Option<String>) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let row: Option<(String, i64, Option<String>)> = api
            .app
            .db()
            .query_row(
                "SELECT status, amount, last_error FROM refunds WHERE payment_id = ?1",
                [payment],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .ok();
        if let Some((status, amount, error)) = &row
            && done(status, *amount)
        {
            return (status.clone(), *amount, error.clone());
        }
        assert!(
            Instant::now() < deadline,
            "the refund did not get there: {row:?}"
        );
        api.app.state.refunds.wake();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[actix_web::test]
async fn a_booking_is_paid_through_snap_and_sold_once_the_status_api_confirms_the_signed_settlement()
 {
    let (api, midtrans) = spawn(|_| {}).await;
    let (ani, showtime, booking_id) = held(&api, &["E5", "E6"]).await;
    let summary = booking(&api, &ani, &booking_id).await;

    let checkout = start_payment(&api, &ani, &booking_id).await;
    let checkout = checkout.assert_status(201).clone();
    let payment_id = checkout["payment_id"]
        .as_str()
        .expect("payment id")
        .to_string();
    assert_eq!(checkout["provider"], "midtrans");
    let token = midtrans.token(&payment_id).expect("a Snap transaction");
    assert!(
        checkout["redirect_url"]
            .as_str()
            .unwrap_or_default()
            .contains(&token),
        "the customer is sent to Snap: {checkout}"
    );

    // What Snap was asked for: the payment id as order id, the booking
    // total, one line per seat adding up to it, the payer, an expiry that
    // ends with the hold, and the way back to the booking page.
    let request = midtrans.created(&payment_id).expect("the Snap request");
    assert_eq!(
        request["transaction_details"]["order_id"],
        payment_id.as_str()
    );
    assert_eq!(
        request["transaction_details"]["gross_amount"],
        summary["total"]
    );
    let items = request["item_details"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    let sum: i64 = items
        .iter()
        .map(|i| i["price"].as_i64().unwrap_or(0) * i["quantity"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(json!(sum), summary["total"]);
    assert_eq!(request["customer_details"]["email"], ani.email.as_str());
    assert_eq!(request["expiry"]["unit"], "minute");
    let minutes = request["expiry"]["duration"].as_i64().expect("duration");
    assert!(
        (1..=10).contains(&minutes),
        "the hold lasts 10 minutes: {minutes}"
    );
    assert!(
        request["callbacks"]["finish"]
            .as_str()
            .unwrap_or_default()
            .ends_with(&format!("/#/bookings/{booking_id}")),
        "{request}"
    );
    // Asked again while paying: the same Snap page, no second transaction.
    let again = start_payment(&api, &ani, &booking_id).await;
    assert_eq!(
        again.assert_status(200)["redirect_url"],
        checkout["redirect_url"]
    );
    assert_eq!(midtrans.calls("/snap/v1/transactions"), 1);

    assert!(midtrans.pay(&payment_id, "gopay"));
    let receipt = notify(&api, &midtrans.notification(&payment_id)).await;
    assert_eq!(receipt.assert_status(200)["received"], true);
    // Recorded, but nothing acts before the status API confirms it.
    assert_eq!(
        count(
            &api,
            "SELECT count(*) FROM gateway_notifications WHERE order_id = ?1",
            &payment_id
        ),
        1
    );
    assert_eq!(
        booking(&api, &ani, &booking_id).await["status"],
        "awaiting_payment"
    );

    let report = api.app.reconcile().await;
    assert_eq!(report.paid, 1, "{report:?}");
    let paid = booking(&api, &ani, &booking_id).await;
    assert_eq!(paid["status"], "paid");
    assert_eq!(paid["payment"]["status"], "succeeded");
    assert_eq!(paid["tickets"].as_array().map(Vec::len), Some(2));
    let map = api.seat_map(showtime, None).await;
    assert_eq!(Api::status_of(&map, "E5"), "sold");
    assert_eq!(api.notifications("e_ticket").len(), 1);
    // Nothing left to ask Midtrans about this payment.
    assert_eq!(api.app.reconcile().await.checked, 0);
}

#[actix_web::test]
async fn a_notification_with_a_forged_or_missing_signature_is_refused_and_changes_nothing() {
    let (api, midtrans) = spawn(|_| {}).await;
    let (ani, _, booking_id) = held(&api, &["F1"]).await;
    let payment_id = api.pay(&ani, &booking_id).await;
    assert!(midtrans.pay(&payment_id, "gopay"));
    let genuine = midtrans.notification(&payment_id);

    let mut forged = genuine.clone();
    forged["signature_key"] = json!("0".repeat(128));
    notify(&api, &forged)
        .await
        .assert_problem(403, "invalid_signature");
    let mut unsigned = genuine.clone();
    unsigned
        .as_object_mut()
        .expect("object")
        .remove("signature_key");
    notify(&api, &unsigned)
        .await
        .assert_problem(403, "invalid_signature");
    // Signed for another amount: the signature covers the gross amount.
    let mut tampered = genuine.clone();
    tampered["gross_amount"] = json!("1.00");
    notify(&api, &tampered)
        .await
        .assert_problem(403, "invalid_signature");

    assert_eq!(
        count(
            &api,
            "SELECT count(*) FROM gateway_notifications WHERE order_id = ?1",
            &payment_id
        ),
        0,
        "nothing recorded"
    );
    let report = api.app.reconcile().await;
    assert_eq!(report.checked, 0, "no check was asked for: {report:?}");
    assert_eq!(
        booking(&api, &ani, &booking_id).await["status"],
        "awaiting_payment"
    );
    assert!(api.notifications("e_ticket").is_empty());
}

#[actix_web::test]
async fn a_payment_of_the_wrong_amount_sells_nothing_is_refunded_and_alerts_the_admins() {
    let (api, midtrans) = spawn(|_| {}).await;
    let (ani, showtime, booking_id) = held(&api, &["G1", "G2"]).await;
    let payment_id = api.pay(&ani, &booking_id).await;
    midtrans.set_gross_amount(&payment_id, "1000.00");
    assert!(midtrans.pay(&payment_id, "gopay"));
    notify(&api, &midtrans.notification(&payment_id))
        .await
        .assert_status(200);

    let report = api.app.reconcile().await;
    assert_eq!(report.refunded, 1, "{report:?}");
    let summary = booking(&api, &ani, &booking_id).await;
    assert_eq!(summary["status"], "payment_failed");
    assert_eq!(summary["tickets"].as_array().map(Vec::len), Some(0));
    let map = api.seat_map(showtime, None).await;
    assert_eq!(
        Api::status_of(&map, "G1"),
        "available",
        "the seats are on sale again"
    );
    assert_eq!(alerts_of_kind(&api, "payment_amount_mismatch"), 1);

    // What Midtrans took goes back, through its refund API.
    let (status, amount, _) = wait_for_refund(&api, &payment_id, |s, _| s == "succeeded").await;
    assert_eq!((status.as_str(), amount), ("succeeded", 1000));
    let refunds = midtrans.refunds(&payment_id);
    assert_eq!(refunds.len(), 1, "{refunds:?}");
    assert_eq!(refunds[0].1, 1000);
}

#[actix_web::test]
async fn when_the_status_api_disagrees_with_a_notification_the_status_api_wins() {
    let (api, midtrans) = spawn(|_| {}).await;
    let (ani, _, booking_id) = held(&api, &["H1"]).await;
    let payment_id = api.pay(&ani, &booking_id).await;
    assert!(midtrans.choose(&payment_id, "bank_transfer"));
    // Correctly signed (the signature does not cover the status), but what
    // it says is not what Midtrans' status API says.
    let mut claims_settlement = midtrans.notification(&payment_id);
    claims_settlement["transaction_status"] = json!("settlement");
    notify(&api, &claims_settlement).await.assert_status(200);

    let report = api.app.reconcile().await;
    assert_eq!(
        (report.checked, report.waiting, report.paid),
        (1, 1, 0),
        "{report:?}"
    );
    assert_eq!(
        booking(&api, &ani, &booking_id).await["status"],
        "awaiting_payment"
    );
    assert!(api.notifications("e_ticket").is_empty());
}

#[actix_web::test]
async fn duplicated_and_out_of_order_notifications_sell_once() {
    let (api, midtrans) = spawn(|_| {}).await;
    let (ani, _, booking_id) = held(&api, &["J1", "J2"]).await;
    let payment_id = api.pay(&ani, &booking_id).await;
    assert!(midtrans.choose(&payment_id, "qris"));
    let pending = midtrans.notification(&payment_id);
    assert!(midtrans.pay(&payment_id, "qris"));
    let settlement = midtrans.notification(&payment_id);

    let (a, b, c) = tokio::join!(
        notify(&api, &settlement),
        notify(&api, &settlement),
        notify(&api, &settlement)
    );
    for reply in [a, b, c] {
        reply.assert_status(200);
    }
    api.app.reconcile().await;
    // The pending notification arrives last, after the settlement.
    notify(&api, &pending).await.assert_status(200);
    api.app.reconcile().await;
    notify(&api, &settlement).await.assert_status(200);
    api.app.reconcile().await;

    let summary = booking(&api, &ani, &booking_id).await;
    assert_eq!(summary["status"], "paid");
    assert_eq!(
        count(
            &api,
            "SELECT count(*) FROM tickets WHERE booking_id = ?1",
            &booking_id
        ),
        2
    );
    assert_eq!(api.notifications("e_ticket").len(), 1);
}

#[actix_web::test]
async fn a_settlement_after_the_hold_lapsed_and_the_seats_were_resold_is_refunded() {
    let (api, midtrans) = spawn(|_| {}).await;
    let (ani, showtime, booking_id) = held(&api, &["K1"]).await;
    let payment_id = api.pay(&ani, &booking_id).await;
    assert!(midtrans.choose(&payment_id, "gopay"));
    api.app.advance(Duration::from_secs(11 * 60));
    api.app.sweep().await;
    assert_eq!(booking(&api, &ani, &booking_id).await["status"], "expired");
    let budi = api.customer().await;
    api.hold(&budi, showtime, &["K1"]).await.assert_status(201);

    // Midtrans took the money at the last second all the same.
    assert!(midtrans.pay(&payment_id, "gopay"));
    notify(&api, &midtrans.notification(&payment_id))
        .await
        .assert_status(200);
    let report = api.app.reconcile().await;
    assert_eq!(report.refunded, 1, "{report:?}");

    let summary = booking(&api, &ani, &booking_id).await;
    assert_eq!(summary["status"], "expired");
    assert_eq!(
        summary["payment"]["refund_reason"],
        "seats_no_longer_available"
    );
    let (status, _, _) = wait_for_refund(&api, &payment_id, |s, _| s == "succeeded").await;
    assert_eq!(status, "succeeded");
    assert_eq!(midtrans.refunds(&payment_id).len(), 1);
    let map = api.seat_map(showtime, Some(&budi.token)).await;
    assert_eq!(Api::status_of(&map, "K1"), "locked", "Budi keeps the seat");
}

#[actix_web::test]
async fn without_a_notification_reconciliation_settles_the_payment_before_the_hold_lapses() {
    let (api, midtrans) = spawn(|_| {}).await;
    let (ani, _, booking_id) = held(&api, &["L1"]).await;
    let payment_id = api.pay(&ani, &booking_id).await;
    assert!(midtrans.pay(&payment_id, "credit_card"));

    // Nothing is due before the hold is about to lapse.
    assert_eq!(api.app.reconcile().await.checked, 0);
    api.app.advance(Duration::from_secs(9 * 60));
    let report = api.app.reconcile().await;
    assert_eq!(report.paid, 1, "{report:?}");
    assert_eq!(booking(&api, &ani, &booking_id).await["status"], "paid");
}

#[actix_web::test]
async fn a_lapsed_hold_has_its_snap_transaction_expired_and_one_never_started_is_left_alone() {
    let (api, midtrans) = spawn(|_| {}).await;
    let (ani, showtime, started) = held(&api, &["M1"]).await;
    let started_payment = api.pay(&ani, &started).await;
    assert!(midtrans.choose(&started_payment, "bank_transfer"));
    let budi = api.customer().await;
    let never = api.hold(&budi, showtime, &["M5"]).await.assert_status(201)["id"]
        .as_str()
        .expect("id")
        .to_string();
    let never_payment = api.pay(&budi, &never).await;

    // The payers are still paying a minute before the end: asked, left be.
    api.app.advance(Duration::from_secs(9 * 60));
    let report = api.app.reconcile().await;
    assert_eq!(report.waiting, 2, "{report:?}");
    assert_eq!(midtrans.calls("/expire"), 0);

    api.app.advance(Duration::from_secs(2 * 60));
    api.app.sweep().await;
    let report = api.app.reconcile().await;
    assert_eq!(
        (report.ended_at_gateway, report.closed),
        (1, 1),
        "{report:?}"
    );
    assert_eq!(midtrans.calls(&format!("{started_payment}/expire")), 1);
    assert_eq!(midtrans.calls(&format!("{never_payment}/expire")), 0);
    assert!(
        !midtrans.pay(&started_payment, "bank_transfer"),
        "Midtrans no longer takes it"
    );
    assert_eq!(booking(&api, &ani, &started).await["status"], "expired");
    let map = api.seat_map(showtime, None).await;
    assert_eq!(Api::status_of(&map, "M1"), "available");
    assert_eq!(api.app.reconcile().await.checked, 0, "nothing more to ask");
}

#[actix_web::test]
async fn a_challenged_payment_waits_for_an_admin_who_approves_or_denies_it_at_midtrans() {
    let (api, midtrans) = spawn(|_| {}).await;
    let admin = api.admin().await;
    let (ani, showtime, approved) = held(&api, &["D3"]).await;
    let approved_payment = api.pay(&ani, &approved).await;
    let budi = api.customer().await;
    let denied = api.hold(&budi, showtime, &["D7"]).await.assert_status(201)["id"]
        .as_str()
        .expect("id")
        .to_string();
    let denied_payment = api.pay(&budi, &denied).await;
    for payment in [&approved_payment, &denied_payment] {
        assert!(midtrans.challenge(payment));
        notify(&api, &midtrans.notification(payment))
            .await
            .assert_status(200);
    }
    let report = api.app.reconcile().await;
    assert_eq!(report.challenged, 2, "{report:?}");
    let summary = booking(&api, &ani, &approved).await;
    assert_eq!(summary["status"], "awaiting_payment");
    assert_eq!(summary["payment"]["status"], "challenged");
    assert_eq!(alerts_of_kind(&api, "payment_challenged"), 2);
    let mailed = api.notifications("admin_alert");
    assert_eq!(
        mailed.len(),
        2,
        "each alert is mailed to the admin: {mailed:?}"
    );
    api.app.state.notifier.wake();
    let told = crate::mail::wait_for(
        &api.app.settings.mail.dir,
        bioskop::testkit::ADMIN_EMAIL,
        "Perlu perhatian",
        2,
    )
    .await;
    assert!(
        told.iter().all(|m| m.text.contains("payment_challenged")),
        "{told:?}"
    );

    // Customers cannot decide; admins can, once.
    let path = |id: &str, decision: &str| format!("/api/v1/admin/payments/{id}/{decision}");
    api.post(
        &path(&approved_payment, "approve"),
        Some(&ani.token),
        json!({}),
    )
    .await
    .assert_problem(403, "forbidden");
    let approve = api
        .post(&path(&approved_payment, "approve"), Some(&admin), json!({}))
        .await;
    assert_eq!(approve.assert_status(200)["outcome"], "paid");
    let deny = api
        .post(&path(&denied_payment, "deny"), Some(&admin), json!({}))
        .await;
    assert_eq!(deny.assert_status(200)["outcome"], "failed");
    api.post(&path(&approved_payment, "deny"), Some(&admin), json!({}))
        .await
        .assert_problem(409, "payment_not_challenged");

    assert_eq!(booking(&api, &ani, &approved).await["status"], "paid");
    assert_eq!(
        booking(&api, &budi, &denied).await["status"],
        "payment_failed"
    );
    let map = api.seat_map(showtime, None).await;
    assert_eq!(Api::status_of(&map, "D3"), "sold");
    assert_eq!(Api::status_of(&map, "D7"), "available");
    assert_eq!(midtrans.calls("/approve"), 1);
    assert_eq!(midtrans.calls("/deny"), 1);
}

#[actix_web::test]
async fn a_challenged_payment_nobody_decided_is_denied_at_midtrans_when_its_hold_lapses() {
    let (api, midtrans) = spawn(|_| {}).await;
    let (ani, showtime, booking_id) = held(&api, &["E1"]).await;
    let payment_id = api.pay(&ani, &booking_id).await;
    assert!(midtrans.challenge(&payment_id));
    notify(&api, &midtrans.notification(&payment_id))
        .await
        .assert_status(200);
    assert_eq!(api.app.reconcile().await.challenged, 1);

    api.app.advance(Duration::from_secs(11 * 60));
    api.app.sweep().await;
    let report = api.app.reconcile().await;
    assert_eq!(report.ended_at_gateway, 1, "{report:?}");
    assert_eq!(midtrans.calls("/deny"), 1);
    assert_eq!(booking(&api, &ani, &booking_id).await["status"], "expired");
    let map = api.seat_map(showtime, None).await;
    assert_eq!(Api::status_of(&map, "E1"), "available");
}

/// A paid Midtrans booking: (admin token, showtime, payment).
async fn paid_midtrans_sale(
    api: &Api,
    midtrans: &MidtransStandIn,
    payment_type: &str,
) -> (String, i64, String) {
    let admin = api.admin().await;
    let (ani, showtime, booking_id) = held(api, &["F3", "F4"]).await;
    let payment_id = api.pay(&ani, &booking_id).await;
    assert!(midtrans.pay(&payment_id, payment_type));
    notify(api, &midtrans.notification(&payment_id))
        .await
        .assert_status(200);
    assert_eq!(api.app.reconcile().await.paid, 1);
    (admin, showtime, payment_id)
}

/// A paid Midtrans booking whose showtime the admin then cancels.
async fn cancelled_midtrans_sale(
    api: &Api,
    midtrans: &MidtransStandIn,
    payment_type: &str,
) -> String {
    let (admin, showtime, payment_id) = paid_midtrans_sale(api, midtrans, payment_type).await;
    api.cancel(&admin, showtime).await.assert_status(202);
    payment_id
}

#[actix_web::test]
async fn a_refund_is_retried_with_the_same_refund_key_after_transient_errors_and_paid_once() {
    let (api, midtrans) = spawn(|s| {
        s.refunds.backoff = vec![Duration::ZERO];
    })
    .await;
    midtrans.fail_next("/refund", 1, 503);
    midtrans.fail_next_in_body("/refund", 1, "500");
    let payment_id = cancelled_midtrans_sale(&api, &midtrans, "gopay").await;

    let (status, amount, _) = wait_for_refund(&api, &payment_id, |s, _| s == "succeeded").await;
    assert_eq!(status, "succeeded");
    assert_eq!(midtrans.calls(&format!("{payment_id}/refund")), 3);
    let refunds = midtrans.refunds(&payment_id);
    assert_eq!(refunds.len(), 1, "paid once: {refunds:?}");
    assert_eq!(refunds[0], (format!("refund-{payment_id}"), amount));
}

#[actix_web::test]
async fn a_refund_midtrans_refuses_for_good_goes_to_the_admins_with_its_reason() {
    let (api, midtrans) = spawn(|_| {}).await;
    // Virtual-account payments cannot be refunded through the API.
    let payment_id = cancelled_midtrans_sale(&api, &midtrans, "bank_transfer").await;

    let (status, _, last_error) = wait_for_refund(&api, &payment_id, |s, _| s == "failed").await;
    assert_eq!(status, "failed");
    let reason = last_error.unwrap_or_default();
    assert!(
        reason.contains("412") && reason.contains("Merchant cannot modify"),
        "Midtrans' reason is kept for the admin: {reason}"
    );
    assert_eq!(
        midtrans.calls(&format!("{payment_id}/refund")),
        1,
        "not retried"
    );
    assert!(midtrans.refunds(&payment_id).is_empty());
    assert_eq!(alerts_of_kind(&api, "refund_failed"), 1);
}

#[actix_web::test]
async fn a_gateway_that_is_down_or_slow_answers_502_or_504_in_time_and_the_hold_stays() {
    let (api, midtrans) = spawn(|_| {}).await;
    let (ani, showtime, booking_id) = held(&api, &["G5", "G6"]).await;

    midtrans.fail_next("/snap/v1/transactions", 1, 503);
    let down = start_payment(&api, &ani, &booking_id).await;
    down.assert_problem(502, "gateway_unavailable");
    let summary = booking(&api, &ani, &booking_id).await;
    assert_eq!(
        summary["status"], "held",
        "the customer can try again: {summary}"
    );
    let map = api.seat_map(showtime, Some(&ani.token)).await;
    assert_eq!(Api::status_of(&map, "G5"), "locked");

    midtrans.set_delay(Duration::from_secs(4));
    let started = Instant::now();
    let slow = start_payment(&api, &ani, &booking_id).await;
    slow.assert_problem(504, "gateway_timeout");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(booking(&api, &ani, &booking_id).await["status"], "held");
    midtrans.set_delay(Duration::ZERO);

    // The transaction the slow call may have opened is ended at Midtrans:
    // nobody started paying it, so there is nothing to expire.
    let report = api.app.reconcile().await;
    assert_eq!(report.closed, 2, "{report:?}");

    let retry = start_payment(&api, &ani, &booking_id).await;
    let retry = retry.assert_status(201);
    assert_eq!(
        booking(&api, &ani, &booking_id).await["status"],
        "awaiting_payment"
    );
    assert!(retry["redirect_url"].as_str().is_some());
}

#[actix_web::test]
async fn a_gateway_nobody_listens_on_answers_502_and_the_hold_stays() {
    let (api, mut midtrans) = spawn(|_| {}).await;
    midtrans.stop();
    let (ani, _, booking_id) = held(&api, &["H1"]).await;
    let started = Instant::now();
    start_payment(&api, &ani, &booking_id)
        .await
        .assert_problem(502, "gateway_unavailable");
    assert!(started.elapsed() < Duration::from_secs(15));
    assert_eq!(booking(&api, &ani, &booking_id).await["status"], "held");
}

#[actix_web::test]
async fn a_notification_answered_200_survives_a_restart_before_it_was_confirmed() {
    let (api, midtrans) = spawn(|_| {}).await;
    let (ani, _, booking_id) = held(&api, &["J7"]).await;
    let payment_id = api.pay(&ani, &booking_id).await;
    assert!(midtrans.pay(&payment_id, "shopeepay"));
    notify(&api, &midtrans.notification(&payment_id))
        .await
        .assert_status(200);

    // Down before the status API was asked: the recorded notification is
    // still due for its check when the system is back.
    let api = Api::with(api.app.restart().await);
    let report = api.app.reconcile().await;
    assert_eq!(report.paid, 1, "{report:?}");
    assert_eq!(booking(&api, &ani, &booking_id).await["status"], "paid");
}

#[actix_web::test]
async fn a_notification_that_says_failed_while_the_status_api_says_settled_sells() {
    let (api, midtrans) = spawn(|_| {}).await;
    let (ani, _, booking_id) = held(&api, &["A9"]).await;
    let payment_id = api.pay(&ani, &booking_id).await;
    assert!(midtrans.choose(&payment_id, "gopay"));
    let mut claims_expired = midtrans.notification(&payment_id);
    claims_expired["transaction_status"] = json!("expire");
    assert!(midtrans.pay(&payment_id, "gopay"));
    notify(&api, &claims_expired).await.assert_status(200);

    assert_eq!(api.app.reconcile().await.paid, 1);
    assert_eq!(booking(&api, &ani, &booking_id).await["status"], "paid");
}

#[actix_web::test]
async fn a_payment_in_another_currency_sells_nothing_and_is_refunded() {
    let (api, midtrans) = spawn(|s| s.booking.currency = "USD".into()).await;
    let (ani, showtime, booking_id) = held(&api, &["B9"]).await;
    let payment_id = api.pay(&ani, &booking_id).await;
    // Midtrans charges rupiah: the amount matches, the currency does not.
    let total = booking(&api, &ani, &booking_id).await["total"]
        .as_i64()
        .expect("total");
    midtrans.set_gross_amount(&payment_id, &format!("{total}.00"));
    assert!(midtrans.pay(&payment_id, "gopay"));
    notify(&api, &midtrans.notification(&payment_id))
        .await
        .assert_status(200);

    assert_eq!(api.app.reconcile().await.refunded, 1);
    assert_eq!(
        booking(&api, &ani, &booking_id).await["status"],
        "payment_failed"
    );
    assert_eq!(
        Api::status_of(&api.seat_map(showtime, None).await, "B9"),
        "available"
    );
    assert_eq!(alerts_of_kind(&api, "payment_amount_mismatch"), 1);
}

#[actix_web::test]
async fn a_refund_whose_answer_was_lost_is_asked_again_with_its_key_and_paid_once() {
    let (api, midtrans) = spawn(|s| s.refunds.backoff = vec![Duration::ZERO]).await;
    // The retry is answered "duplicate refund key" (one reading of the
    // docs): the refund listed in the transaction's status settles it.
    midtrans.set_duplicate_refund_key_is_406(true);
    // Only the refund is slow: the sale goes through first.
    let (admin, showtime, payment_id) = paid_midtrans_sale(&api, &midtrans, "gopay").await;
    midtrans.set_delay(Duration::from_secs(3));
    api.cancel(&admin, showtime).await.assert_status(202);
    let deadline = Instant::now() + PATIENCE;
    while midtrans.calls(&format!("{payment_id}/refund")) == 0 {
        assert!(Instant::now() < deadline, "no refund call");
        api.app.state.refunds.wake();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    midtrans.set_delay(Duration::ZERO);

    let (status, amount, _) = wait_for_refund(&api, &payment_id, |s, _| s == "succeeded").await;
    assert_eq!(status, "succeeded");
    assert!(midtrans.calls(&format!("{payment_id}/refund")) >= 2);
    assert_eq!(
        midtrans.refunds(&payment_id),
        vec![(format!("refund-{payment_id}"), amount)],
        "paid once"
    );
}

#[actix_web::test]
async fn a_card_payment_captured_but_not_settled_is_given_back_by_cancelling_it() {
    let (api, midtrans) = spawn(|_| {}).await;
    // A card is `capture` until Midtrans settles it (the next day): the
    // refund API refuses it (412) and cancel gives the money back.
    let payment_id = cancelled_midtrans_sale(&api, &midtrans, "credit_card").await;
    let (status, _, _) = wait_for_refund(&api, &payment_id, |s, _| s == "succeeded").await;
    assert_eq!(status, "succeeded");
    assert_eq!(midtrans.calls(&format!("{payment_id}/cancel")), 1);
}

#[actix_web::test]
async fn a_cancelled_showtime_expires_its_open_snap_transactions_at_once() {
    let (api, midtrans) = spawn(|_| {}).await;
    let admin = api.admin().await;
    let (ani, showtime, booking_id) = held(&api, &["C9"]).await;
    let payment_id = api.pay(&ani, &booking_id).await;
    assert!(midtrans.choose(&payment_id, "bank_transfer"));
    api.cancel(&admin, showtime).await.assert_status(202);

    let report = api.app.reconcile().await;
    assert_eq!(report.ended_at_gateway, 1, "{report:?}");
    assert!(
        !midtrans.pay(&payment_id, "bank_transfer"),
        "nobody pays a cancelled showtime"
    );
}

#[actix_web::test]
async fn the_sandbox_cannot_settle_a_midtrans_payment() {
    let (api, _midtrans) = spawn(|_| {}).await;
    let (ani, _, booking_id) = held(&api, &["D9"]).await;
    let payment_id = api.pay(&ani, &booking_id).await;
    let body =
        serde_json::to_vec(&json!({"payment_id": payment_id, "result": "success"})).expect("json");
    let signature = api.app.state.payments.sign(&body);
    let forged = api
        .http
        .post(api.app.url("/api/v1/payments/notifications"))
        .header("content-type", "application/json")
        .header("X-Bioskop-Signature", signature)
        .body(body)
        .send()
        .await
        .expect("an answer");
    assert_eq!(forged.status(), 404);
    api.sandbox(&ani.token, &payment_id, "success")
        .await
        .assert_problem(404, "not_found");
    assert_eq!(
        booking(&api, &ani, &booking_id).await["status"],
        "awaiting_payment"
    );
}

#[actix_web::test]
async fn a_second_click_while_snap_is_still_answering_the_first_is_told_to_wait() {
    let (api, midtrans) = spawn(|_| {}).await;
    let (ani, _, booking_id) = held(&api, &["E9"]).await;
    midtrans.set_delay(Duration::from_millis(1500));
    let first = start_payment(&api, &ani, &booking_id);
    let second = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        start_payment(&api, &ani, &booking_id).await
    };
    let (first, second) = tokio::join!(first, second);
    first.assert_status(201);
    second.assert_problem(409, "payment_opening");
    assert_eq!(midtrans.calls("/snap/v1/transactions"), 1);
    assert_eq!(
        booking(&api, &ani, &booking_id).await["status"],
        "awaiting_payment"
    );
}
