//! Refunds through a real RabbitMQ. `.ci/run` sets BIOSKOP_TEST_AMQP_URL;
//! when it is set the broker must answer (these tests fail, they do not
//! skip); when unset they say they were skipped. Each test has its own
//! exchanges and queues (a unique name prefix) and deletes them at the end.
//! The server reaches the broker through a [`FaultProxy`] so a test can cut
//! the connection or take the broker away.

use std::time::Duration;

use bioskop::refunds::amqp::Topology;
use lapin::{
    Connection, ConnectionProperties,
    options::{ExchangeDeclareOptions, QueueDeclareOptions, QueueDeleteOptions},
    types::FieldTable,
};
use serde_json::json;

use crate::{
    fault_proxy::{FaultProxy, broker_address},
    helpers::{Api, CancelledSale, all},
};

const PATIENCE: Duration = Duration::from_secs(30);
const BACKOFF_MS: [u64; 2] = [100, 200];

/// The broker URL, or None (after saying so) when the tests are not asked for.
fn broker_url() -> Option<String> {
    match std::env::var("BIOSKOP_TEST_AMQP_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            eprintln!("SKIPPED: RabbitMQ refund test (set BIOSKOP_TEST_AMQP_URL, as .ci/run does)");
            None
        }
    }
}

/// A system whose refunds go through RabbitMQ behind a fault proxy.
struct Rig {
    api: Api,
    proxy: FaultProxy,
    url: String,
    prefix: String,
}

impl Rig {
    async fn start(url: String, refuse_at_start: bool) -> Rig {
        assert_broker_answers(&url).await;
        let proxy = FaultProxy::start(broker_address(&url)).await;
        proxy.refuse(refuse_at_start);
        let prefix = format!("bioskop-test-{}", uuid::Uuid::new_v4().simple());
        let (proxied, name_prefix) = (proxy.url(&url), prefix.clone());
        let app = bioskop::testkit::TestApp::spawn_with(move |settings| {
            settings.queue.amqp_url = proxied.into();
            settings.queue.name_prefix = name_prefix;
            settings.refunds.backoff = BACKOFF_MS
                .iter()
                .map(|ms| Duration::from_millis(*ms))
                .collect();
        })
        .await;
        Rig {
            api: Api::with(app),
            proxy,
            url,
            prefix,
        }
    }

    async fn wait_connected(&self) {
        let deadline = std::time::Instant::now() + PATIENCE;
        loop {
            let ready = self.api.get("/readyz", None).await;
            if ready.body["queue"]["state"] == "connected" {
                assert_eq!(ready.body["status"], "ready");
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "never connected: {ready:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Deletes this test's exchanges and queues from the broker.
    async fn clean_up(self) {
        let Rig {
            api, url, prefix, ..
        } = self;
        let _ = api.app.stop().await;
        let topology = Topology::new(&prefix);
        let connection = Connection::connect(&url, ConnectionProperties::default())
            .await
            .expect("the broker answers");
        let channel = connection.create_channel().await.expect("a channel");
        let mut queues = vec![topology.queue.clone(), topology.dead_queue.clone()];
        queues.extend(BACKOFF_MS.iter().map(|ms| topology.delay_queue(*ms as i64)));
        for queue in queues {
            let _ = channel
                .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
                .await;
        }
        for exchange in [&topology.exchange, &topology.dead_exchange] {
            let _ = channel
                .exchange_delete(exchange.as_str().into(), Default::default())
                .await;
        }
        let _ = connection.close(200, "done".into()).await;
    }
}

async fn assert_broker_answers(url: &str) {
    let connected = tokio::time::timeout(
        Duration::from_secs(10),
        Connection::connect(url, ConnectionProperties::default()),
    )
    .await;
    match connected {
        Ok(Ok(connection)) => {
            let _ = connection.close(200, "checked".into()).await;
        }
        Ok(Err(error)) => {
            panic!("BIOSKOP_TEST_AMQP_URL={url} is set but RabbitMQ refuses: {error}")
        }
        Err(_) => panic!("BIOSKOP_TEST_AMQP_URL={url} is set but RabbitMQ does not answer"),
    }
}

#[actix_web::test]
async fn over_rabbitmq_cancelling_a_showtime_refunds_every_buyer_exactly_once() {
    let Some(url) = broker_url() else { return };
    let rig = Rig::start(url, false).await;
    rig.wait_connected().await;
    let api = &rig.api;
    let admin = api.admin().await;
    let showtime = api.app.bookable_showtime().await;
    let mut paid = Vec::new();
    for seats in [&["A1", "A2"][..], &["B1"], &["C1"], &["D1", "D2", "D3"]] {
        let customer = api.customer().await;
        paid.push(api.buy(&customer, showtime, seats).await.1);
    }
    let cancelled = api.cancel(&admin, showtime).await;
    assert_eq!(cancelled.assert_status(202)["refunds_queued"], 4);

    let refunds = api
        .wait_for_refunds(showtime, PATIENCE, all("succeeded"))
        .await;
    assert_eq!(refunds.len(), 4);
    for refund in &refunds {
        assert_eq!(refund.attempts, 1);
        assert_eq!(
            api.sandbox_ledger(&refund.payment_id),
            (1, 1),
            "paid exactly once"
        );
    }
    assert_eq!(
        api.unpublished_refunds_after(PATIENCE).await,
        0,
        "every outbox row was confirmed by the broker"
    );

    // The whole topology was declared at start, dead letters included.
    let connection = Connection::connect(&rig.url, ConnectionProperties::default())
        .await
        .expect("connect");
    let channel = connection.create_channel().await.expect("channel");
    let topology = Topology::new(&rig.prefix);
    let passive = QueueDeclareOptions {
        passive: true,
        ..QueueDeclareOptions::default()
    };
    let mut queues = vec![topology.queue.clone(), topology.dead_queue.clone()];
    queues.extend(BACKOFF_MS.iter().map(|ms| topology.delay_queue(*ms as i64)));
    for queue in queues {
        channel
            .queue_declare(queue.as_str().into(), passive, FieldTable::default())
            .await
            .unwrap_or_else(|e| panic!("queue {queue} exists: {e}"));
    }
    channel
        .exchange_declare(
            topology.dead_exchange.as_str().into(),
            lapin::ExchangeKind::Fanout,
            ExchangeDeclareOptions {
                passive: true,
                ..ExchangeDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .expect("the dead-letter exchange exists");
    let _ = connection.close(200, "checked".into()).await;
    rig.clean_up().await;
}

#[actix_web::test]
async fn over_rabbitmq_a_refund_failing_twice_succeeds_on_attempt_three() {
    let Some(url) = broker_url() else { return };
    let rig = Rig::start(url, false).await;
    let api = &rig.api;
    let CancelledSale {
        showtime, payment, ..
    } = api
        .cancelled_sale(&["A1"], json!({"fail_next_refunds": 2}))
        .await;

    let done = api
        .wait_for_refunds(showtime, PATIENCE, all("succeeded"))
        .await;
    assert_eq!(done[0].attempts, 3);
    assert_eq!(
        api.attempts_of(&done[0].id),
        ["transient_error", "transient_error", "succeeded"]
    );
    assert_eq!(api.sandbox_ledger(&payment), (1, 1));
    rig.clean_up().await;
}

#[actix_web::test]
async fn over_rabbitmq_a_refund_failing_five_times_is_failed_with_one_alert() {
    let Some(url) = broker_url() else { return };
    let rig = Rig::start(url, false).await;
    let api = &rig.api;
    let CancelledSale {
        admin,
        showtime,
        payment,
        ..
    } = api
        .cancelled_sale(&["A1"], json!({"fail_next_refunds": 5}))
        .await;

    let failed = api
        .wait_for_refunds(showtime, PATIENCE, all("failed"))
        .await;
    assert_eq!(failed[0].attempts, 5);
    // Longer than every back-off: still five attempts, nothing paid.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(api.attempts_of(&failed[0].id).len(), 5);
    assert_eq!(api.sandbox_ledger(&payment), (0, 0));
    let alerts = api.get("/api/v1/admin/alerts", Some(&admin)).await;
    assert_eq!(alerts.assert_status(200).as_array().map(Vec::len), Some(1));
    rig.clean_up().await;
}

#[actix_web::test]
async fn over_rabbitmq_a_consumer_cut_off_between_the_gateway_call_and_the_ack_pays_once() {
    let Some(url) = broker_url() else { return };
    let rig = Rig::start(url, false).await;
    rig.wait_connected().await;
    let api = &rig.api;
    let admin = api.admin().await;
    let showtime = api.app.bookable_showtime().await;
    let customer = api.customer().await;
    let (_, payment) = api.buy(&customer, showtime, &["A1"]).await;
    // The gateway pays at once but answers 1.5 s later.
    api.sandbox_control(&admin, json!({"refund_answer_delay_ms": 1500}))
        .await;
    api.cancel(&admin, showtime).await.assert_status(202);

    let deadline = std::time::Instant::now() + PATIENCE;
    while api.sandbox_ledger(&payment).0 == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the gateway was never called"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        api.refunds_of(showtime)[0].status,
        "pending",
        "not acked yet"
    );
    rig.proxy.cut();
    api.sandbox_control(&admin, json!({})).await;

    let done = api
        .wait_for_refunds(showtime, PATIENCE, all("succeeded"))
        .await;
    assert_eq!(done[0].attempts, 1);
    assert_eq!(api.attempts_of(&done[0].id), ["succeeded"]);
    let (refunds, calls) = api.sandbox_ledger(&payment);
    assert_eq!(
        calls, 2,
        "the message was redelivered and the gateway asked again"
    );
    assert_eq!(refunds, 1, "the redelivered message did not pay again");
    rig.wait_connected().await;
    rig.clean_up().await;
}

#[actix_web::test]
async fn over_rabbitmq_refunds_wait_out_a_broker_that_is_down_and_a_restart_and_none_is_lost_or_doubled()
 {
    let Some(url) = broker_url() else { return };
    // The broker is away from the start: the server starts anyway.
    let rig = Rig::start(url, true).await;
    let api = &rig.api;
    let ready = api.get("/readyz", None).await;
    let ready = ready.assert_status(200);
    assert_eq!(ready["status"], "degraded", "{ready}");
    assert_eq!(ready["queue"]["kind"], "rabbitmq");

    let admin = api.admin().await;
    let showtime = api.app.bookable_showtime().await;
    let mut paid = Vec::new();
    for seat in ["A1", "A2", "A3"] {
        let customer = api.customer().await;
        paid.push(api.buy(&customer, showtime, &[seat]).await.1);
    }
    api.cancel(&admin, showtime).await.assert_status(202);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        api.refunds_of(showtime)
            .iter()
            .all(|r| r.status == "pending" && r.attempts == 0)
    );
    assert_eq!(
        api.unpublished_refunds(),
        3,
        "kept in the outbox while the broker is away"
    );

    // Restarted while the broker is still away; then the broker comes back.
    let Rig {
        api,
        proxy,
        url,
        prefix,
    } = rig;
    let rig = Rig {
        api: Api::with(api.app.restart().await),
        proxy,
        url,
        prefix,
    };
    assert_eq!(rig.api.unpublished_refunds(), 3);
    rig.proxy.refuse(false);
    rig.wait_connected().await;
    let done = rig
        .api
        .wait_for_refunds(showtime, PATIENCE, all("succeeded"))
        .await;
    assert_eq!(done.len(), 3);
    for payment in &paid {
        assert_eq!(
            rig.api.sandbox_ledger(payment),
            (1, 1),
            "none lost, none doubled"
        );
    }
    assert_eq!(rig.api.unpublished_refunds_after(PATIENCE).await, 0);
    rig.clean_up().await;
}
