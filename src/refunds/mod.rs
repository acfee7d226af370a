//! Refunds: money going back to customers when a showtime is cancelled or a
//! payment arrived for seats it could not have.
//!
//! A refund is recorded (with an outbox row carrying its first attempt) in the
//! same transaction as the event that causes it. A queue carries attempts to
//! the worker here: RabbitMQ when `queue.amqp_url` is set ([`amqp`]), else the
//! embedded queue over the outbox table itself ([`Refunds::run_embedded_due`]).
//! Either way the worker asks the gateway with a key fixed per refund, records
//! the outcome conditionally on the attempt it was for (a duplicate delivery
//! changes nothing), and schedules the next attempt after `refunds.backoff`
//! through the outbox. After `refunds.max_attempts` failures, or one
//! permanent refusal, the refund is FAILED: an admin alert and mails to the
//! admins are recorded, and an admin can retry it or resolve it by hand.

mod admin;
pub mod amqp;
pub mod offers;

pub use admin::RefundView;

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use futures_util::StreamExt;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use crate::{
    clock::{SharedClock, millis, to_millis},
    config::{self, RefundSettings},
    error::AppResult,
    gateway::{PaymentGateway, RefundError, RefundRequest},
    ids::{BookingId, PaymentId, RefundId, ShowtimeId, UserId},
    notify::{self, Message, message::RefundFacts},
    status::RefundStatus,
    store::Store,
};

/// Outbox rows the embedded queue takes per round.
const EMBEDDED_BATCH: i64 = 256;
/// Gateway calls the embedded queue makes at once.
const EMBEDDED_CONCURRENCY: usize = 8;
const REQUEUE_CHECK_EVERY_MS: i64 = 30_000;
/// How often the queues look at the outbox when nobody woke them.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// A refund to record, with the payment it gives back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRefund {
    pub id: RefundId,
    pub payment_id: PaymentId,
    pub booking_id: BookingId,
    pub user_id: UserId,
    pub showtime_id: ShowtimeId,
    pub amount: i64,
    pub currency: String,
    pub reason: String,
}

/// Records a refund and its first attempt in the caller's transaction.
/// A payment that already has a refund keeps it: answers false.
pub fn record(conn: &Connection, refund: &NewRefund, now: i64) -> AppResult<bool> {
    if !insert(conn, refund, RefundStatus::Pending, now)? {
        return Ok(false);
    }
    queue_first_attempt(conn, &refund.id, now)?;
    Ok(true)
}

/// Inserts a refund row in `status` (no attempt queued); false when the
/// payment already has a refund.
fn insert(
    conn: &Connection,
    refund: &NewRefund,
    status: RefundStatus,
    now: i64,
) -> AppResult<bool> {
    let created = conn
        .prepare_cached(query!("refunds/insert_refund"))?
        .execute(params![
            refund.id,
            refund.payment_id,
            refund.booking_id,
            refund.user_id,
            refund.showtime_id,
            refund.amount,
            refund.currency,
            refund.reason,
            now,
            status
        ])?;
    Ok(created > 0)
}

fn queue_first_attempt(conn: &Connection, refund_id: &str, now: i64) -> AppResult<()> {
    conn.prepare_cached(query!("refunds/insert_outbox"))?
        .execute(params![refund_id, 1, 0, now, now])?;
    Ok(())
}

/// One queued attempt: what travels through RabbitMQ (as JSON) or waits in
/// the embedded queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundMessage {
    pub refund_id: RefundId,
    pub attempt: i64,
}

/// An outbox row: a message not yet handed over.
#[derive(Debug, Clone)]
pub struct OutboxRow {
    pub id: i64,
    pub message: RefundMessage,
    pub delay_ms: i64,
    pub available_at: i64,
}

/// What one delivery did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Handled {
    Succeeded,
    /// Failed for now; the next attempt is queued.
    Retrying,
    /// Failed for good; admins are alerted.
    Failed,
    /// Nothing to do: a duplicate, or the refund moved on already.
    Stale,
}

/// What one round of the embedded queue did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct QueueRound {
    pub delivered: usize,
    pub succeeded: usize,
    pub retrying: usize,
    pub failed: usize,
    pub stale: usize,
    /// Deliveries that could not be handled (left queued for the next round).
    pub errors: usize,
    /// Attempts queued again because a queue lost them.
    pub requeued: usize,
}

/// Where refunds are queued, for `/readyz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum QueueStatus {
    Embedded,
    Connecting,
    Connected,
    Down { error: String },
}

impl QueueStatus {
    /// Whether refunds flow now (a broker away only delays them).
    pub fn is_up(&self) -> bool {
        matches!(self, QueueStatus::Embedded | QueueStatus::Connected)
    }

    pub fn kind(&self) -> &'static str {
        match self {
            QueueStatus::Embedded => "embedded",
            _ => "rabbitmq",
        }
    }
}

#[derive(Clone)]
pub struct Refunds {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    clock: SharedClock,
    gateway: Arc<dyn PaymentGateway>,
    settings: RefundSettings,
    wake: Notify,
    /// One embedded round at a time (the loop and a caller may both ask).
    embedded_round: tokio::sync::Mutex<()>,
    status: Mutex<QueueStatus>,
    /// When (clock time) stalled attempts were last looked for.
    last_requeue_check: Mutex<Option<i64>>,
    /// Attempts queued again since start, by any round (the loop's or a caller's).
    requeued_total: std::sync::atomic::AtomicU64,
}

impl Refunds {
    pub fn new(
        store: Store,
        clock: SharedClock,
        gateway: Arc<dyn PaymentGateway>,
        settings: RefundSettings,
    ) -> Refunds {
        Refunds {
            inner: Arc::new(Inner {
                store,
                clock,
                gateway,
                settings,
                wake: Notify::new(),
                embedded_round: tokio::sync::Mutex::new(()),
                status: Mutex::new(QueueStatus::Embedded),
                last_requeue_check: Mutex::new(None),
                requeued_total: std::sync::atomic::AtomicU64::new(0),
            }),
        }
    }

    pub fn clock(&self) -> &SharedClock {
        &self.inner.clock
    }

    /// Tells the queue that new outbox rows are waiting.
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// Waits until woken or until the poll interval passed.
    pub async fn woken(&self) {
        let _ = tokio::time::timeout(POLL_INTERVAL, self.inner.wake.notified()).await;
    }

    pub fn status(&self) -> QueueStatus {
        self.inner
            .status
            .lock()
            .map(|s| s.clone())
            .unwrap_or(QueueStatus::Connecting)
    }

    pub fn set_status(&self, status: QueueStatus) {
        if let Ok(mut current) = self.inner.status.lock() {
            *current = status;
        }
    }

    /// The wait before attempt `attempt + 1`, after attempt `attempt` failed.
    pub fn backoff_after(&self, attempt: i64) -> Duration {
        let step = usize::try_from(attempt.saturating_sub(1)).unwrap_or(0);
        config::backoff_step(&self.inner.settings.backoff, step)
    }

    /// Every distinct wait between attempts (the delay queues to declare).
    pub fn backoff_steps(&self) -> Vec<Duration> {
        let mut steps = self.inner.settings.backoff.clone();
        steps.sort();
        steps.dedup();
        steps.retain(|d| !d.is_zero());
        steps
    }

    /// Handles one delivered attempt: asks the gateway, then records what came
    /// of it. Safe to run twice for the same message, even at the same time.
    pub async fn deliver(&self, message: &RefundMessage) -> AppResult<Handled> {
        let id = message.refund_id.clone();
        let refund = self
            .inner
            .store
            .read(move |conn| {
                Ok(conn
                    .prepare_cached(query!("refunds/refund_for_attempt"))?
                    .query_row(params![id], |r| {
                        Ok(Pending {
                            status: r.get(0)?,
                            attempts: r.get(1)?,
                            extra_attempts: r.get(2)?,
                            payment_id: r.get(3)?,
                            amount: r.get(4)?,
                            currency: r.get(5)?,
                            idempotency_key: r.get(6)?,
                            provider: r.get(7)?,
                            reason: r.get(8)?,
                        })
                    })
                    .optional()?)
            })
            .await?;
        let Some(refund) = refund else {
            tracing::warn!(?message, "a refund message names no refund; dropped");
            return Ok(Handled::Stale);
        };
        if !refund.status.is_open() || refund.attempts + 1 != message.attempt {
            return Ok(Handled::Stale);
        }
        let outcome = self
            .inner
            .gateway
            .refund(RefundRequest {
                payment_id: refund.payment_id,
                provider: refund.provider,
                amount: refund.amount,
                currency: refund.currency,
                idempotency_key: refund.idempotency_key,
                reason: refund.reason,
            })
            .await;
        let limit = i64::from(self.inner.settings.max_attempts).max(1) + refund.extra_attempts;
        let backoff = millis(self.backoff_after(message.attempt));
        let now = to_millis(self.inner.clock.now());
        let message = message.clone();
        let handled = self
            .inner
            .store
            .write(move |conn| record_outcome(conn, &message, outcome, limit, backoff, now))
            .await?;
        if handled == Handled::Retrying {
            self.wake();
        }
        Ok(handled)
    }

    /// Queues again the attempts a queue took and never delivered (see
    /// `requeue_stalled.sql`); answers how many.
    pub async fn requeue_stalled(&self) -> AppResult<usize> {
        let now = to_millis(self.inner.clock.now());
        // A look every half minute is plenty for something measured in minutes.
        if let Ok(mut last) = self.inner.last_requeue_check.lock() {
            if last.is_some_and(|at| now - at < REQUEUE_CHECK_EVERY_MS) {
                return Ok(0);
            }
            *last = Some(now);
        }
        let grace = millis(self.inner.settings.requeue_after);
        let requeued = self
            .inner
            .store
            .write(move |conn| {
                Ok(conn
                    .prepare_cached(query!("refunds/requeue_stalled"))?
                    .execute(params![now, grace])?)
            })
            .await?;
        if requeued > 0 {
            self.inner
                .requeued_total
                .fetch_add(requeued as u64, std::sync::atomic::Ordering::Relaxed);
            tracing::warn!(
                requeued,
                "refund attempts the queue never delivered were queued again"
            );
        }
        Ok(requeued)
    }

    /// Attempts queued again since the start, whichever round did it.
    pub fn requeued_total(&self) -> u64 {
        self.inner
            .requeued_total
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// One round of the embedded queue: delivers every outbox row due at the
    /// clock's now and marks it done. Returns what it did.
    pub async fn run_embedded_due(&self) -> AppResult<QueueRound> {
        let _one_at_a_time = self.inner.embedded_round.lock().await;
        let mut round = QueueRound {
            requeued: self.requeue_stalled().await?,
            ..QueueRound::default()
        };
        loop {
            let now = to_millis(self.inner.clock.now());
            let rows = self
                .inner
                .store
                .read(move |conn| {
                    outbox_rows(conn, query!("refunds/due_outbox"), &[&now, &EMBEDDED_BATCH])
                })
                .await?;
            let taken = rows.len();
            let results: Vec<(i64, AppResult<Handled>)> = futures_util::stream::iter(rows)
                .map(|row| async move { (row.id, self.deliver(&row.message).await) })
                .buffer_unordered(EMBEDDED_CONCURRENCY)
                .collect()
                .await;
            let mut done = Vec::new();
            for (id, result) in results {
                round.delivered += 1;
                match result {
                    Ok(handled) => {
                        done.push(id);
                        match handled {
                            Handled::Succeeded => round.succeeded += 1,
                            Handled::Retrying => round.retrying += 1,
                            Handled::Failed => round.failed += 1,
                            Handled::Stale => round.stale += 1,
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%error, "a refund attempt could not be handled; it stays queued");
                        round.errors += 1;
                    }
                }
            }
            self.mark_published(done).await?;
            if taken < EMBEDDED_BATCH as usize || round.errors > 0 {
                return Ok(round);
            }
        }
    }

    /// Outbox rows not yet handed to the broker, oldest first.
    pub async fn unpublished(&self, limit: i64) -> AppResult<Vec<OutboxRow>> {
        self.inner
            .store
            .read(move |conn| outbox_rows(conn, query!("refunds/unpublished_outbox"), &[&limit]))
            .await
    }

    /// Marks outbox rows as handed over (confirmed by the broker, or consumed
    /// by the embedded queue).
    pub async fn mark_published(&self, ids: Vec<i64>) -> AppResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let now = to_millis(self.inner.clock.now());
        self.inner
            .store
            .write(move |conn| {
                let mut mark = conn.prepare_cached(query!("refunds/mark_published"))?;
                for id in ids {
                    mark.execute(params![id, now])?;
                }
                Ok(())
            })
            .await
    }

    /// Runs the embedded queue until the task is aborted.
    pub async fn run_embedded(self) {
        self.set_status(QueueStatus::Embedded);
        loop {
            if let Err(error) = self.run_embedded_due().await {
                tracing::warn!(%error, "the embedded refund queue could not run; trying again");
            }
            self.woken().await;
        }
    }
}

/// The refund fields an attempt needs.
struct Pending {
    status: RefundStatus,
    attempts: i64,
    extra_attempts: i64,
    payment_id: PaymentId,
    amount: i64,
    currency: String,
    idempotency_key: String,
    provider: String,
    reason: String,
}

fn outbox_rows(
    conn: &Connection,
    sql: &str,
    args: &[&dyn rusqlite::ToSql],
) -> AppResult<Vec<OutboxRow>> {
    Ok(conn
        .prepare_cached(sql)?
        .query_map(args, |r| {
            Ok(OutboxRow {
                id: r.get(0)?,
                message: RefundMessage {
                    refund_id: r.get(1)?,
                    attempt: r.get(2)?,
                },
                delay_ms: r.get(3)?,
                available_at: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?)
}

/// Records an attempt's outcome, if the refund is still at that attempt.
fn record_outcome(
    conn: &Connection,
    message: &RefundMessage,
    outcome: Result<String, RefundError>,
    limit: i64,
    backoff_ms: i64,
    now: i64,
) -> AppResult<Handled> {
    let attempt = message.attempt;
    let id = &message.refund_id;
    let returned = |r: &rusqlite::Row<'_>| {
        Ok(RefundFacts {
            refund_id: id.clone(),
            user_id: r.get(0)?,
            amount: r.get(1)?,
            currency: r.get(2)?,
            booking_id: r.get(3)?,
            reason: r.get(4)?,
            attempts: attempt,
        })
    };
    let (error, permanent) = match outcome {
        Ok(reference) => {
            let Some(facts) = conn
                .prepare_cached(query!("refunds/record_success"))?
                .query_row(params![id, attempt, now, reference], returned)
                .optional()?
            else {
                return Ok(Handled::Stale);
            };
            insert_attempt(conn, id, attempt, now, "succeeded", None)?;
            notify::to_user(conn, facts.user_id, &Message::RefundSucceeded(facts), now)?;
            return Ok(Handled::Succeeded);
        }
        Err(RefundError::Transient(error)) => (error, false),
        Err(RefundError::Permanent(error)) => (error, true),
    };
    let gives_up = permanent || attempt >= limit;
    let status = if gives_up {
        RefundStatus::Failed
    } else {
        RefundStatus::Retrying
    };
    let Some(facts) = conn
        .prepare_cached(query!("refunds/record_failure"))?
        .query_row(params![id, attempt, now, status, error], returned)
        .optional()?
    else {
        return Ok(Handled::Stale);
    };
    let outcome = if permanent {
        "permanent_error"
    } else {
        "transient_error"
    };
    insert_attempt(conn, id, attempt, now, outcome, Some(&error))?;
    if !gives_up {
        conn.prepare_cached(query!("refunds/insert_outbox"))?
            .execute(params![id, attempt + 1, backoff_ms, now + backoff_ms, now])?;
        return Ok(Handled::Retrying);
    }
    let why = if permanent {
        format!("the gateway refused it: {error}")
    } else {
        format!("{attempt} attempts failed; the last: {error}")
    };
    notify::alert(
        conn,
        "refund_failed",
        id,
        &format!("Refund {id} needs manual handling: {why}"),
        now,
    )?;
    notify::to_admins(conn, &Message::RefundFailed(facts.clone()), now)?;
    let user_id = facts.user_id;
    notify::to_user(
        conn,
        user_id,
        &Message::RefundNeedsManualHandling(facts),
        now,
    )?;
    Ok(Handled::Failed)
}

fn insert_attempt(
    conn: &Connection,
    refund_id: &str,
    attempt: i64,
    now: i64,
    outcome: &str,
    error: Option<&str>,
) -> AppResult<()> {
    conn.prepare_cached(query!("refunds/insert_attempt"))?
        .execute(params![refund_id, attempt, now, outcome, error])?;
    Ok(())
}
