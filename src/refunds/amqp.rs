//! Refunds over RabbitMQ (lapin). The relay publishes outbox rows with
//! publisher confirms and marks a row published only once the broker
//! confirmed it; the consumer takes deliveries with manual acks and acks a
//! delivery only after its outcome is committed, so a dropped connection
//! means a redelivery, never a lost or doubled refund.
//!
//! Topology, all durable and declared at every connect (so nothing missing
//! is discovered by lost messages), for a name prefix `p`:
//! - exchange `p.refunds` (direct) → queue `p.refunds` (routing key `refund`);
//! - a retry waits in `p.refunds.delay.<ms>`, a queue per back-off step whose
//!   messages expire after `<ms>` and are dead-lettered back to `p.refunds`
//!   (one queue per step: a per-message TTL would let a long wait at the head
//!   hold back shorter ones behind it);
//! - a message the consumer cannot read is rejected and dead-lettered to
//!   exchange `p.refunds.dead` → queue `p.refunds.dead`, kept for a person.
//!
//! The connection is owned here: on any error the session ends and a new one
//! starts after a back-off (lapin's own recovery is not trusted alone), and
//! the outbox keeps every refund meanwhile.

use std::{collections::HashSet, time::Duration};

use futures_util::{StreamExt, stream::FuturesUnordered};
use lapin::{
    BasicProperties, Channel, Confirmation, Connection, ConnectionProperties, ExchangeKind,
    message::Delivery,
    options::{
        BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicPublishOptions,
        BasicQosOptions, BasicRejectOptions, ConfirmSelectOptions, ExchangeDeclareOptions,
        QueueBindOptions, QueueDeclareOptions,
    },
    types::{AMQPValue, FieldTable},
};

use super::{OutboxRow, QueueStatus, RefundMessage, Refunds};
use crate::clock::{millis, to_millis};

/// Deliveries handled at once (and unacked at most).
const PREFETCH: u16 = 16;
/// Outbox rows published per batch before their confirms are awaited.
const RELAY_BATCH: i64 = 256;
const ROUTING_KEY: &str = "refund";
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const FIRST_RECONNECT_WAIT: Duration = Duration::from_millis(200);
const LONGEST_RECONNECT_WAIT: Duration = Duration::from_secs(5);

/// The names of everything declared on the broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topology {
    pub exchange: String,
    pub queue: String,
    pub dead_exchange: String,
    pub dead_queue: String,
    prefix: String,
}

impl Topology {
    pub fn new(prefix: &str) -> Topology {
        Topology {
            exchange: format!("{prefix}.refunds"),
            queue: format!("{prefix}.refunds"),
            dead_exchange: format!("{prefix}.refunds.dead"),
            dead_queue: format!("{prefix}.refunds.dead"),
            prefix: prefix.to_string(),
        }
    }

    pub fn delay_queue(&self, delay_ms: i64) -> String {
        format!("{}.refunds.delay.{delay_ms}ms", self.prefix)
    }
}

/// Keeps a session with the broker going until the task is aborted.
pub async fn run(refunds: Refunds, url: String, prefix: String) {
    let topology = Topology::new(&prefix);
    let mut wait = FIRST_RECONNECT_WAIT;
    refunds.set_status(QueueStatus::Connecting);
    loop {
        let mut connected = false;
        let error = match session(&refunds, &url, &topology, &mut connected).await {
            Ok(()) => "the session ended".to_string(),
            Err(error) => error,
        };
        tracing::warn!(%error, "RabbitMQ session lost; refunds wait in the outbox until it is back");
        refunds.set_status(QueueStatus::Down { error });
        if connected {
            wait = FIRST_RECONNECT_WAIT;
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(LONGEST_RECONNECT_WAIT);
    }
}

async fn session(
    refunds: &Refunds,
    url: &str,
    topology: &Topology,
    connected: &mut bool,
) -> Result<(), String> {
    let properties = ConnectionProperties::default().with_connection_name("bioskop".into());
    let connection = tokio::time::timeout(CONNECT_TIMEOUT, Connection::connect(url, properties))
        .await
        .map_err(|_| format!("no answer from the broker within {CONNECT_TIMEOUT:?}"))?
        .map_err(|e| format!("cannot connect: {e}"))?;
    let result = serve(refunds, &connection, topology, connected).await;
    let _ = tokio::time::timeout(
        Duration::from_secs(1),
        connection.close(200, "reconnecting".into()),
    )
    .await;
    result
}

async fn serve(
    refunds: &Refunds,
    connection: &Connection,
    topology: &Topology,
    connected: &mut bool,
) -> Result<(), String> {
    let publisher = connection.create_channel().await.map_err(text)?;
    publisher
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .map_err(text)?;
    let mut delay_queues = HashSet::new();
    declare(&publisher, topology).await.map_err(text)?;
    for step in refunds.backoff_steps() {
        let ms = millis(step);
        declare_delay_queue(&publisher, topology, ms)
            .await
            .map_err(text)?;
        delay_queues.insert(ms);
    }

    let consuming = connection.create_channel().await.map_err(text)?;
    consuming
        .basic_qos(PREFETCH, BasicQosOptions::default())
        .await
        .map_err(text)?;
    let consumer = consuming
        .basic_consume(
            topology.queue.as_str().into(),
            "bioskop-refunds".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(text)?;
    *connected = true;
    refunds.set_status(QueueStatus::Connected);
    tracing::info!(queue = %topology.queue, "RabbitMQ connected; relaying and consuming refunds");

    // Deliveries in flight are dropped with the connection: their acks could
    // not reach the broker anyway, and it redelivers them to the next session
    // (where the refund's idempotency key keeps the gateway from paying twice).
    let mut consumer = consumer;
    let mut in_flight = FuturesUnordered::new();
    let relay = relay(refunds, &publisher, topology, &mut delay_queues);
    tokio::pin!(relay);
    loop {
        tokio::select! {
            delivery = consumer.next(), if in_flight.len() < usize::from(PREFETCH) => match delivery {
                Some(Ok(delivery)) => in_flight.push(handle_delivery(refunds, delivery)),
                Some(Err(error)) => return Err(format!("the consumer failed: {error}")),
                None => return Err("the broker stopped the consumer".into()),
            },
            Some(()) = in_flight.next(), if !in_flight.is_empty() => {}
            result = &mut relay => return result,
        }
    }
}

/// Declares the exchanges and queues (idempotent on the broker).
async fn declare(channel: &Channel, topology: &Topology) -> lapin::Result<()> {
    let durable = ExchangeDeclareOptions {
        durable: true,
        ..ExchangeDeclareOptions::default()
    };
    channel
        .exchange_declare(
            topology.dead_exchange.as_str().into(),
            ExchangeKind::Fanout,
            durable,
            FieldTable::default(),
        )
        .await?;
    channel
        .queue_declare(
            topology.dead_queue.as_str().into(),
            QueueDeclareOptions::durable(),
            FieldTable::default(),
        )
        .await?;
    channel
        .queue_bind(
            topology.dead_queue.as_str().into(),
            topology.dead_exchange.as_str().into(),
            "".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await?;
    channel
        .exchange_declare(
            topology.exchange.as_str().into(),
            ExchangeKind::Direct,
            durable,
            FieldTable::default(),
        )
        .await?;
    let mut arguments = FieldTable::default();
    arguments.insert(
        "x-dead-letter-exchange".into(),
        AMQPValue::LongString(topology.dead_exchange.as_str().into()),
    );
    channel
        .queue_declare(
            topology.queue.as_str().into(),
            QueueDeclareOptions::durable(),
            arguments,
        )
        .await?;
    channel
        .queue_bind(
            topology.queue.as_str().into(),
            topology.exchange.as_str().into(),
            ROUTING_KEY.into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
}

async fn declare_delay_queue(
    channel: &Channel,
    topology: &Topology,
    delay_ms: i64,
) -> lapin::Result<()> {
    let mut arguments = FieldTable::default();
    arguments.insert(
        "x-message-ttl".into(),
        AMQPValue::LongLongInt(delay_ms.max(0)),
    );
    arguments.insert(
        "x-dead-letter-exchange".into(),
        AMQPValue::LongString(topology.exchange.as_str().into()),
    );
    arguments.insert(
        "x-dead-letter-routing-key".into(),
        AMQPValue::LongString(ROUTING_KEY.into()),
    );
    channel
        .queue_declare(
            topology.delay_queue(delay_ms).as_str().into(),
            QueueDeclareOptions::durable(),
            arguments,
        )
        .await
        .map(|_| ())
}

/// Publishes the outbox whenever woken (or every poll interval).
async fn relay(
    refunds: &Refunds,
    publisher: &Channel,
    topology: &Topology,
    delay_queues: &mut HashSet<i64>,
) -> Result<(), String> {
    loop {
        refunds.requeue_stalled().await.map_err(text)?;
        loop {
            let rows = refunds.unpublished(RELAY_BATCH).await.map_err(text)?;
            let taken = rows.len();
            let published = publish(refunds, publisher, topology, delay_queues, rows).await?;
            refunds.mark_published(published).await.map_err(text)?;
            if taken < RELAY_BATCH as usize {
                break;
            }
        }
        refunds.woken().await;
    }
}

/// Publishes rows and waits for the broker's confirms; answers the rows confirmed.
async fn publish(
    refunds: &Refunds,
    publisher: &Channel,
    topology: &Topology,
    delay_queues: &mut HashSet<i64>,
    rows: Vec<OutboxRow>,
) -> Result<Vec<i64>, String> {
    let now = to_millis(refunds.clock().now());
    let mut confirms = Vec::with_capacity(rows.len());
    for row in rows {
        // A retry still waiting goes through its delay queue; one whose wait
        // is over (the broker was away) goes straight to the work queue.
        let (exchange, routing_key) = if row.available_at > now && row.delay_ms > 0 {
            if delay_queues.insert(row.delay_ms) {
                declare_delay_queue(publisher, topology, row.delay_ms)
                    .await
                    .map_err(text)?;
            }
            (String::new(), topology.delay_queue(row.delay_ms))
        } else {
            (topology.exchange.clone(), ROUTING_KEY.to_string())
        };
        let body = serde_json::to_vec(&row.message).map_err(|e| e.to_string())?;
        let properties = BasicProperties::default()
            .with_delivery_mode(2)
            .with_content_type("application/json".into())
            .with_message_id(
                format!(
                    "refund-{}-attempt-{}",
                    row.message.refund_id, row.message.attempt
                )
                .into(),
            );
        let confirm = publisher
            .basic_publish(
                exchange.as_str().into(),
                routing_key.as_str().into(),
                BasicPublishOptions {
                    mandatory: true,
                    ..BasicPublishOptions::default()
                },
                &body,
                properties,
            )
            .await
            .map_err(text)?;
        confirms.push((row.id, confirm));
    }
    let mut confirmed = Vec::with_capacity(confirms.len());
    for (id, confirm) in confirms {
        match confirm.await.map_err(text)? {
            Confirmation::Ack(None) => confirmed.push(id),
            Confirmation::Ack(Some(returned)) => {
                return Err(format!(
                    "the broker could not route a refund message ({}); redeclaring",
                    returned.reply_text
                ));
            }
            Confirmation::Nack(_) => return Err("the broker refused a refund message".into()),
            Confirmation::NotRequested => {
                return Err("publisher confirms are not enabled on the channel".into());
            }
        }
    }
    Ok(confirmed)
}

/// Handles one delivery and acks it only after its outcome is committed.
async fn handle_delivery(refunds: &Refunds, delivery: Delivery) {
    let message: RefundMessage = match serde_json::from_slice(&delivery.data) {
        Ok(message) => message,
        Err(error) => {
            tracing::error!(%error, "an unreadable refund message goes to the dead-letter queue");
            let _ = delivery.reject(BasicRejectOptions { requeue: false }).await;
            return;
        }
    };
    match refunds.deliver(&message).await {
        Ok(handled) => {
            tracing::info!(?message, ?handled, "refund attempt handled");
            if let Err(error) = delivery.ack(BasicAckOptions::default()).await {
                tracing::warn!(%error, ?message, "ack lost; the broker will redeliver (harmless)");
            }
        }
        Err(error) => {
            tracing::warn!(%error, ?message, "refund attempt not handled; requeued");
            tokio::time::sleep(Duration::from_secs(1)).await;
            let _ = delivery
                .nack(BasicNackOptions {
                    requeue: true,
                    ..BasicNackOptions::default()
                })
                .await;
        }
    }
}

fn text(error: impl std::fmt::Display) -> String {
    error.to_string()
}
