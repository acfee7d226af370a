//! E-tickets and messages on the embedded transport (`.eml` files), check-in
//! at the door, and WhatsApp through a stand-in for the Cloud API.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use actix_web::{App, HttpResponse, HttpServer, web};
use serde_json::{Value, json};

use crate::{
    helpers::{Api, Customer, Sale},
    mail,
};

fn mail_dir(api: &Api) -> std::path::PathBuf {
    api.app.settings.mail.dir.clone()
}

async fn tickets_of(api: &Api, who: &Customer) -> Vec<Value> {
    api.get("/api/v1/tickets", Some(&who.token))
        .await
        .assert_status(200)
        .as_array()
        .expect("tickets")
        .clone()
}

/// The check-in code of the customer's first ticket.
async fn first_code(api: &Api, who: &Customer) -> String {
    tickets_of(api, who).await[0]["checkin_code"]
        .as_str()
        .expect("code")
        .to_string()
}

async fn scan(api: &Api, token: &str, code: &str) -> crate::helpers::Reply {
    api.post("/api/v1/checkin", Some(token), json!({"code": code}))
        .await
}

#[actix_web::test]
async fn a_purchase_mails_an_e_ticket_whose_qr_codes_admit_each_seat_once() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let showtime = api.app.bookable_showtime().await;
    let ani = api.customer().await;
    let (booking, payment) = api.buy(&ani, showtime, &["C5", "C6"]).await;

    let mails = mail::wait_for(&mail_dir(&api), &ani.email, "E-tiket", 1).await;
    assert_eq!(mails.len(), 1, "one e-ticket");
    let ticket_mail = &mails[0];
    let summary = api
        .get(&format!("/api/v1/bookings/{booking}"), Some(&ani.token))
        .await;
    let summary = summary.assert_status(200);
    let movie = summary["movie_title"].as_str().expect("movie");
    for needed in [movie, "C5", "C6", booking.as_str(), payment.as_str()] {
        assert!(
            ticket_mail.text.contains(needed),
            "{needed} in {}",
            ticket_mail.text
        );
        assert!(
            ticket_mail.html.contains(needed),
            "{needed} in the HTML part"
        );
    }
    for needed in [
        summary["cinema"].as_str().expect("cinema"),
        summary["auditorium"].as_str().expect("auditorium"),
    ] {
        assert!(
            ticket_mail.text.contains(needed),
            "{needed} in {}",
            ticket_mail.text
        );
    }
    assert!(
        ticket_mail.text.contains("Rp"),
        "the total paid: {}",
        ticket_mail.text
    );
    assert!(ticket_mail.message_id.starts_with("notification-"));

    // One QR per seat, each the code of that seat's ticket.
    let tickets = tickets_of(&api, &ani).await;
    let mut codes: Vec<String> = tickets
        .iter()
        .map(|t| t["checkin_code"].as_str().expect("code").to_string())
        .collect();
    codes.sort();
    let mut decoded = ticket_mail.qr_codes();
    decoded.sort();
    assert_eq!(decoded, codes);

    api.open_doors(showtime);
    let first = scan(&api, &admin, &decoded[0]).await;
    assert_eq!(first.assert_status(200)["status"], "used");
    let replay = scan(&api, &admin, &decoded[0]).await;
    replay.assert_problem(409, "already_used");
    assert_eq!(replay.body["checked_in_at"], first.body["checked_in_at"]);
    scan(&api, &admin, &decoded[1]).await.assert_status(200);
    let used: Vec<Value> = tickets_of(&api, &ani).await;
    assert!(
        used.iter()
            .all(|t| t["status"] == "used" && t["checked_in_at"].is_string())
    );

    let sent = api
        .get("/api/v1/admin/notifications?status=sent", Some(&admin))
        .await;
    let sent = sent.assert_status(200).as_array().expect("list").clone();
    assert!(
        sent.iter()
            .any(|n| n["kind"] == "e_ticket" && n["recipient"] == ani.email.as_str())
    );
}

#[actix_web::test]
async fn check_in_refuses_forged_codes_refunded_tickets_and_customers() {
    let api = Api::spawn().await;
    let Sale {
        admin,
        showtime,
        customer: ani,
        ..
    } = api.sale(&["A1"]).await;
    let code = first_code(&api, &ani).await;

    // Not before the doors open.
    let early = scan(&api, &admin, &code).await;
    early.assert_problem(409, "doors_not_open");
    api.open_doors(showtime);
    scan(&api, &ani.token, &code)
        .await
        .assert_problem(403, "forbidden");
    scan(&api, &admin, &"0".repeat(32))
        .await
        .assert_problem(404, "not_found");
    scan(&api, &admin, "not a code")
        .await
        .assert_problem(404, "not_found");
    let mut forged = code.clone().into_bytes();
    forged[0] = if forged[0] == b'a' { b'b' } else { b'a' };
    scan(&api, &admin, &String::from_utf8(forged).expect("hex"))
        .await
        .assert_problem(404, "not_found");

    // A gate admitting for another showtime refuses it.
    api.post(
        "/api/v1/checkin",
        Some(&admin),
        json!({"code": code, "showtime_id": showtime + 1}),
    )
    .await
    .assert_problem(409, "wrong_showtime");

    // Nor after the showtime ended.
    api.app.advance(std::time::Duration::from_secs(86_400));
    scan(&api, &admin, &code)
        .await
        .assert_problem(409, "showtime_over");

    api.cancel(&admin, showtime).await.assert_status(202);
    scan(&api, &admin, &code)
        .await
        .assert_problem(409, "ticket_refunded");
}

#[actix_web::test]
async fn two_gates_scanning_one_code_at_the_same_moment_admit_it_once() {
    let api = Api::spawn().await;
    let Sale {
        admin,
        showtime,
        customer: ani,
        ..
    } = api.sale(&["A1"]).await;
    let code = first_code(&api, &ani).await;
    api.open_doors(showtime);
    let scans = futures_util::future::join_all((0..8).map(|_| scan(&api, &admin, &code))).await;
    let admitted = scans.iter().filter(|r| r.status.as_u16() == 200).count();
    assert_eq!(admitted, 1, "{scans:?}");
    for refused in scans.iter().filter(|r| r.status.as_u16() != 200) {
        refused.assert_problem(409, "already_used");
    }
}

#[actix_web::test]
async fn a_ticket_qr_is_served_as_svg_to_its_owner_only() {
    let api = Api::spawn().await;
    let showtime = api.app.bookable_showtime().await;
    let (ani, budi) = (api.customer().await, api.customer().await);
    api.buy(&ani, showtime, &["A1"]).await;
    let ticket = tickets_of(&api, &ani).await[0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let path = format!("/api/v1/tickets/{ticket}/qr.svg");
    let svg = api.get(&path, Some(&ani.token)).await;
    assert_eq!(svg.status.as_u16(), 200);
    assert_eq!(svg.content_type, "image/svg+xml");
    assert!(svg.body.as_str().is_some_and(|s| s.contains("<svg")));
    api.get(&path, Some(&budi.token))
        .await
        .assert_problem(404, "not_found");
}

#[actix_web::test]
async fn a_cancellation_and_its_refund_are_told_to_the_customer_in_english_when_asked() {
    let api = Api::with(
        bioskop::testkit::TestApp::spawn_with(|s| {
            s.mail.locale = bioskop::config::MailLocale::En;
        })
        .await,
    );
    let admin = api.admin().await;
    let showtime = api.app.bookable_showtime().await;
    let ani = api.customer().await;
    api.buy(&ani, showtime, &["A1"]).await;
    let dir = mail_dir(&api);
    mail::wait_for(&dir, &ani.email, "Your e-ticket", 1).await;
    api.cancel(&admin, showtime).await.assert_status(202);
    let cancelled = mail::wait_for(&dir, &ani.email, "Showtime cancelled", 1).await;
    assert!(
        cancelled[0].text.contains("refunded"),
        "{}",
        cancelled[0].text
    );
    let refunded = mail::wait_for(&dir, &ani.email, "Refund succeeded", 1).await;
    assert!(
        refunded[0].subject.contains("Rp"),
        "{}",
        refunded[0].subject
    );
}

#[actix_web::test]
async fn a_refund_that_needs_manual_handling_is_mailed_to_every_admin() {
    let api = Api::spawn().await;
    let admin = api.admin().await;
    let showtime = api.app.bookable_showtime().await;
    let ani = api.customer().await;
    api.buy(&ani, showtime, &["A1"]).await;
    api.sandbox_control(&admin, json!({"reject_next_refunds": 1}))
        .await;
    api.cancel(&admin, showtime).await.assert_status(202);
    let dir = mail_dir(&api);
    let to_admin = mail::wait_for(&dir, bioskop::testkit::ADMIN_EMAIL, "ditangani manual", 1).await;
    let refund = api.refunds_of(showtime)[0].id.clone();
    assert!(
        to_admin[0].subject.contains(&refund),
        "{}",
        to_admin[0].subject
    );
    mail::wait_for(&dir, &ani.email, "ditangani staf", 1).await;
}

/// A stand-in for the WhatsApp Cloud API: records what it is sent and
/// answers with the status it is told to.
struct FakeWhatsApp {
    url: String,
    received: Arc<Mutex<Vec<(String, Value)>>>,
    _server: actix_web::dev::ServerHandle,
}

async fn fake_whatsapp(status: u16) -> FakeWhatsApp {
    let received: Arc<Mutex<Vec<(String, Value)>>> = Arc::default();
    let seen = received.clone();
    let server = HttpServer::new(move || {
        let seen = seen.clone();
        App::new().route(
            "/v20.0/123/messages",
            web::post().to(move |req: actix_web::HttpRequest, body: web::Json<Value>| {
                let seen = seen.clone();
                async move {
                    let auth = req
                        .headers()
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_string();
                    if let Ok(mut seen) = seen.lock() {
                        seen.push((auth, body.into_inner()));
                    }
                    HttpResponse::build(
                        actix_web::http::StatusCode::from_u16(status).expect("status"),
                    )
                    .json(json!({"messages": [{"id": "wamid.test"}]}))
                }
            }),
        )
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .expect("bind");
    let port = server.addrs()[0].port();
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    FakeWhatsApp {
        url: format!("http://127.0.0.1:{port}/v20.0/123/messages"),
        received,
        _server: handle,
    }
}

async fn customer_with_phone(api: &Api, phone: &str) -> Customer {
    let email = format!("wa-{}@example.com", uuid::Uuid::new_v4().simple());
    let reply = api
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": email, "password": "correct horse", "name": "Wati", "phone": phone}),
        )
        .await;
    let body = reply.assert_status(201);
    Customer {
        id: body["user"]["id"].as_i64().expect("id"),
        email,
        token: body["token"].as_str().expect("token").to_string(),
    }
}

async fn wait_for_status(api: &Api, kind: &str, channel: &str, status: &str) -> Value {
    let admin = api.admin().await;
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let list = api
            .get(
                &format!("/api/v1/admin/notifications?status={status}"),
                Some(&admin),
            )
            .await;
        if let Some(found) = list.body.as_array().and_then(|l| {
            l.iter()
                .find(|n| n["kind"] == kind && n["channel"] == channel)
        }) {
            return found.clone();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no {status} {channel} {kind}: {list:?}"
        );
        api.app.state.notifier.wake();
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[actix_web::test]
async fn customers_with_a_phone_also_get_their_e_ticket_on_whatsapp() {
    let whatsapp = fake_whatsapp(200).await;
    let endpoint = whatsapp.url.clone();
    let api = Api::with(
        bioskop::testkit::TestApp::spawn_with(move |s| {
            s.whatsapp.endpoint = endpoint;
            s.whatsapp.token = "wa-token".into();
        })
        .await,
    );
    let showtime = api.app.bookable_showtime().await;
    let wati = customer_with_phone(&api, "+62 812-3456-7890").await;
    api.buy(&wati, showtime, &["A1"]).await;
    wait_for_status(&api, "e_ticket", "whatsapp", "sent").await;
    let received = whatsapp
        .received
        .lock()
        .map(|r| r.clone())
        .unwrap_or_default();
    assert_eq!(received.len(), 1, "{received:?}");
    let (auth, body) = &received[0];
    assert_eq!(auth, "Bearer wa-token");
    assert_eq!(body["messaging_product"], "whatsapp");
    assert_eq!(body["to"], "6281234567890");
    assert_eq!(body["type"], "text");
    assert!(
        body["text"]["body"]
            .as_str()
            .is_some_and(|t| t.contains("A1"))
    );
}

#[actix_web::test]
async fn a_message_refused_for_good_is_failed_with_an_admin_alert_and_whatsapp_is_skipped_when_off()
{
    let whatsapp = fake_whatsapp(400).await;
    let endpoint = whatsapp.url.clone();
    let api = Api::with(
        bioskop::testkit::TestApp::spawn_with(move |s| {
            s.whatsapp.endpoint = endpoint;
            s.whatsapp.token = "wa-token".into();
        })
        .await,
    );
    let admin = api.admin().await;
    let showtime = api.app.bookable_showtime().await;
    let wati = customer_with_phone(&api, "+6281234567890").await;
    api.buy(&wati, showtime, &["A1"]).await;
    let failed = wait_for_status(&api, "e_ticket", "whatsapp", "failed").await;
    assert!(
        failed["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("400")),
        "{failed}"
    );
    assert_eq!(failed["attempts"], 1, "a refusal is not retried");
    let alerts = api.get("/api/v1/admin/alerts", Some(&admin)).await;
    let alerts = alerts
        .assert_status(200)
        .as_array()
        .expect("alerts")
        .clone();
    assert!(
        alerts.iter().any(|a| a["kind"] == "notification_failed"),
        "{alerts:?}"
    );
    // The e-mail went anyway.
    wait_for_status(&api, "e_ticket", "email", "sent").await;

    // Without WhatsApp configured the message is recorded as skipped.
    let plain = Api::spawn().await;
    let showtime = plain.app.bookable_showtime().await;
    let wati = customer_with_phone(&plain, "+6281234567890").await;
    plain.buy(&wati, showtime, &["A1"]).await;
    let skipped = wait_for_status(&plain, "e_ticket", "whatsapp", "skipped").await;
    assert!(
        skipped["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("not configured"))
    );
}
