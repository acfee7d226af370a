//! E-tickets through a real SMTP server. `.ci/run` starts aiosmtpd with a
//! maildir and sets BIOSKOP_TEST_SMTP_URL and BIOSKOP_TEST_SMTP_MAILDIR; when
//! the URL is set the server must answer (these tests fail, they do not
//! skip); when unset they say they were skipped. The server under test
//! reaches SMTP through a [`FaultProxy`] so a test can take it away.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use serde_json::json;

use crate::{fault_proxy::FaultProxy, helpers::Api, mail};

struct Smtp {
    address: SocketAddr,
    maildir: PathBuf,
}

fn smtp() -> Option<Smtp> {
    let url = match std::env::var("BIOSKOP_TEST_SMTP_URL") {
        Ok(url) if !url.trim().is_empty() => url,
        _ => {
            eprintln!(
                "SKIPPED: SMTP test (set BIOSKOP_TEST_SMTP_URL and BIOSKOP_TEST_SMTP_MAILDIR, as .ci/run does)"
            );
            return None;
        }
    };
    let maildir = std::env::var("BIOSKOP_TEST_SMTP_MAILDIR")
        .expect("BIOSKOP_TEST_SMTP_MAILDIR names the maildir the SMTP server delivers to");
    let host = url
        .split_once("://")
        .map_or(url.as_str(), |(_, rest)| rest)
        .trim_end_matches('/');
    let address: SocketAddr = host
        .replace("localhost", "127.0.0.1")
        .parse()
        .unwrap_or_else(|e| panic!("BIOSKOP_TEST_SMTP_URL={url} is not smtp://host:port: {e}"));
    if let Err(error) = std::net::TcpStream::connect_timeout(&address, Duration::from_secs(5)) {
        panic!("BIOSKOP_TEST_SMTP_URL={url} is set but nothing answers there: {error}");
    }
    Some(Smtp {
        address,
        maildir: PathBuf::from(maildir),
    })
}

async fn spawn_through(proxy: &FaultProxy) -> Api {
    let url = format!("smtp://{}", proxy.address);
    Api::with(
        bioskop::testkit::TestApp::spawn_with(move |s| {
            s.mail.smtp_url = url.into();
            s.mail.retry_backoff = vec![Duration::from_millis(100)];
        })
        .await,
    )
}

#[actix_web::test]
async fn over_smtp_a_purchase_delivers_one_e_ticket_whose_qr_admits_at_the_door() {
    let Some(smtp) = smtp() else { return };
    let proxy = FaultProxy::start(smtp.address).await;
    let api = spawn_through(&proxy).await;
    let admin = api.admin().await;
    let showtime = api.app.bookable_showtime().await;
    let ani = api.customer().await;
    api.buy(&ani, showtime, &["D4"]).await;

    let mails = mail::wait_for(&smtp.maildir, &ani.email, "E-tiket", 1).await;
    // Give a duplicate the time to arrive, were there one.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mails_now = mail::wait_for(&smtp.maildir, &ani.email, "E-tiket", 1).await;
    assert_eq!(mails_now.len(), 1, "exactly one e-ticket");
    assert_eq!(mails[0].pngs.len(), 1);
    api.open_doors(showtime);
    let admitted = api
        .post(
            "/api/v1/checkin",
            Some(&admin),
            json!({"code": mails[0].qr_codes()[0]}),
        )
        .await;
    assert_eq!(admitted.assert_status(200)["seat"], "D4");
}

#[actix_web::test]
async fn over_smtp_mail_waits_out_a_server_that_is_down_and_a_restart_and_each_is_delivered_once() {
    let Some(smtp) = smtp() else { return };
    let proxy = FaultProxy::start(smtp.address).await;
    proxy.refuse(true);
    let api = spawn_through(&proxy).await;
    let showtimes = api.app.bookable_showtimes(2).await;

    let mut buyers = Vec::new();
    for i in 0..20 {
        let customer = api.customer().await;
        let seat = format!("B{}", i / 2 + 1);
        api.buy(&customer, showtimes[i % 2], &[seat.as_str()]).await;
        buyers.push(customer);
    }
    // All bought; every e-ticket is waiting, none lost, none sent.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let (pending, tried): (i64, i64) = api
            .app
            .db()
            .query_row(
                "SELECT count(*), count(last_error) FROM notifications WHERE kind = 'e_ticket' AND status = 'pending'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("notifications");
        assert_eq!(pending, 20, "20 e-tickets pending while the server is down");
        if tried == 20 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "only {tried} tried");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Restarted while the server is still down: the rows are still there.
    let api = Api::with(api.app.restart().await);
    let pending: i64 = api
        .app
        .db()
        .query_row(
            "SELECT count(*) FROM notifications WHERE kind = 'e_ticket' AND status = 'pending'",
            [],
            |r| r.get(0),
        )
        .expect("notifications");
    assert_eq!(pending, 20);

    proxy.refuse(false);
    // The retries are due after the back-off, on the system's (manual) clock.
    api.app.advance(Duration::from_secs(1));
    api.app.state.notifier.wake();
    for buyer in &buyers {
        mail::wait_for(&smtp.maildir, &buyer.email, "E-tiket", 1).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let delivered: Vec<mail::Mail> = mail::read_all(&smtp.maildir)
        .into_iter()
        .filter(|m| buyers.iter().any(|b| b.email == m.to))
        .collect();
    assert_eq!(delivered.len(), 20, "each e-ticket delivered exactly once");
    let mut ids: Vec<&str> = delivered.iter().map(|m| m.message_id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 20);
}
