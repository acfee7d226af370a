//! Reconciliation: bioskop asks Midtrans, rather than waiting to be told.
//!
//! A payment is due for a check when a signed notification arrived, when its
//! hold is about to lapse (`check_before_lapse`), when opening it failed, and
//! again after each answer that settles nothing (`check_backoff`, at most
//! `max_checks` times). Only the status API's answer acts: paid sells (or
//! refunds a wrong amount), failed frees the seats, pending waits while the
//! hold lasts; after the hold lapsed, the Snap transaction is expired (a
//! challenged one denied) so the payer can no longer pay for seats they do
//! not hold. "Transaction doesn't exist" means nobody started paying.
//!
//! [`Reconciler::reconcile_due`] is a plain function that returns what it
//! did; tests call it directly with a manual clock, and [`Reconciler::run`]
//! calls it when woken and every `reconcile_interval`.

use std::{sync::Arc, time::Duration};

use futures_util::StreamExt;
use rusqlite::params;
use serde::Serialize;
use tokio::sync::Notify;

use super::{MidtransClient, Transaction, Verdict, client::Answer, paid_as_asked, verdict};
use crate::{
    clock::{millis, to_millis},
    config::{MidtransSettings, backoff_step},
    error::AppResult,
    ids::PaymentId,
    notify,
    payments::PaymentHandles,
    seats::book::{PaymentResult, Settlement},
    status::PaymentStatus,
};

/// Payments checked per round, and at once.
const BATCH: i64 = 32;
const CONCURRENCY: usize = 4;

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReconcileReport {
    /// Payments asked about.
    pub checked: usize,
    /// Sold from a confirmed payment.
    pub paid: usize,
    /// Paid, but money goes back (wrong amount, or seats no longer held).
    pub refunded: usize,
    /// Failed at the gateway: seats freed.
    pub failed: usize,
    /// In fraud review, waiting for an admin.
    pub challenged: usize,
    /// Still waiting for the payer (or for an answer): asked again later.
    pub waiting: usize,
    /// Expired or denied at the gateway after the hold lapsed.
    pub ended_at_gateway: usize,
    /// Nothing more to ask (never started, or already final).
    pub closed: usize,
    /// Checked too many times without a settling answer: left to the admins.
    pub gave_up: usize,
    /// Checks that failed on our side (retried next round).
    pub errors: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Paid,
    Refunded,
    Failed,
    Challenged,
    Waiting,
    EndedAtGateway,
    Closed,
    GaveUp,
}

/// A payment due for a check, as stored.
#[derive(Debug, Clone)]
struct Due {
    id: PaymentId,
    status: PaymentStatus,
    amount: i64,
    currency: String,
    expires_at: i64,
    fraud_status: Option<String>,
    attempts: i64,
    /// Which request for a check this is (see `check_seq`).
    seq: i64,
}

#[derive(Clone)]
pub struct Reconciler {
    inner: Arc<Inner>,
}

struct Inner {
    client: MidtransClient,
    handles: PaymentHandles,
    settings: MidtransSettings,
    wake: Notify,
}

impl Reconciler {
    pub fn new(
        client: MidtransClient,
        handles: PaymentHandles,
        settings: MidtransSettings,
    ) -> Reconciler {
        Reconciler {
            inner: Arc::new(Inner {
                client,
                handles,
                settings,
                wake: Notify::new(),
            }),
        }
    }

    /// Asks for a round now (a notification was recorded).
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// Runs rounds for ever: when woken, and every `reconcile_interval`.
    pub async fn run(self, interval: Duration) {
        loop {
            match self.reconcile_due().await {
                Ok(report) if report.checked > 0 => {
                    tracing::info!(?report, "payments reconciled with Midtrans")
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "reconciling payments with Midtrans"),
            }
            tokio::select! {
                _ = self.inner.wake.notified() => {}
                _ = tokio::time::sleep(interval) => {}
            }
        }
    }

    /// Checks every payment due at the clock's now; answers what it did.
    pub async fn reconcile_due(&self) -> AppResult<ReconcileReport> {
        let now = to_millis(self.inner.handles.clock.now());
        let due = self
            .inner
            .handles
            .store
            .read(move |conn| {
                Ok(conn
                    .prepare_cached(query!("payments/due_checks"))?
                    .query_map(params![now, BATCH], |r| {
                        Ok(Due {
                            id: r.get(0)?,
                            status: r.get(1)?,
                            amount: r.get(2)?,
                            currency: r.get(3)?,
                            expires_at: r.get(4)?,
                            fraud_status: r.get(5)?,
                            attempts: r.get(6)?,
                            seq: r.get(7)?,
                        })
                    })?
                    .collect::<Result<Vec<_>, _>>()?)
            })
            .await?;
        let outcomes: Vec<AppResult<Outcome>> = futures_util::stream::iter(due)
            .map(|due| self.check(due, now))
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        let mut report = ReconcileReport::default();
        for outcome in outcomes {
            report.checked += 1;
            match outcome {
                Ok(Outcome::Paid) => report.paid += 1,
                Ok(Outcome::Refunded) => report.refunded += 1,
                Ok(Outcome::Failed) => report.failed += 1,
                Ok(Outcome::Challenged) => report.challenged += 1,
                Ok(Outcome::Waiting) => report.waiting += 1,
                Ok(Outcome::EndedAtGateway) => report.ended_at_gateway += 1,
                Ok(Outcome::Closed) => report.closed += 1,
                Ok(Outcome::GaveUp) => report.gave_up += 1,
                Err(error) => {
                    tracing::warn!(%error, "a payment check failed; tried again next round");
                    report.errors += 1;
                }
            }
        }
        Ok(report)
    }

    /// One payment's check. A check that fails on our side is asked again
    /// after the back-off like any other, so it never spins.
    async fn check(&self, due: Due, now: i64) -> AppResult<Outcome> {
        match self.check_once(&due, now).await {
            Ok(outcome) => Ok(outcome),
            Err(error) => {
                if let Err(also) = self.later(&due, now, None, &error.to_string()).await {
                    tracing::warn!(payment_id = %due.id, error = %also, "rescheduling a failed check");
                }
                Err(error)
            }
        }
    }

    async fn check_once(&self, due: &Due, now: i64) -> AppResult<Outcome> {
        if due.attempts >= i64::from(self.inner.settings.max_checks) {
            return self.give_up(due, now).await;
        }
        let order = due.id.to_string();
        let status = match self.inner.client.status(&order).await {
            Ok(answer) => answer.transaction(),
            Err(error) => return self.later(due, now, None, &error.to_string()).await,
        };
        let verdict = verdict(&status);
        if let Verdict::Unknown(why) = &verdict {
            return self.later(due, now, None, why).await;
        }
        if due.status == PaymentStatus::Succeeded {
            // Sold already: only a reversal at Midtrans is news, for the admins.
            return match verdict {
                Verdict::Paid | Verdict::Pending | Verdict::NotFound => {
                    self.close(due, Some(&status)).await
                }
                _ => {
                    let what = status.transaction_status.clone().unwrap_or_default();
                    self.unexpected(due, &status, &what, now).await
                }
            };
        }
        // Still the payer's to pay: the hold lasts and nothing gave it up.
        let open = due.status == PaymentStatus::Pending && now < due.expires_at;
        match verdict {
            Verdict::Paid => self.paid(due, &status, now).await,
            Verdict::Failed => self.failed(due, &status).await,
            Verdict::NotFound if open => self.wait(due, &status, now).await,
            Verdict::NotFound => self.close(due, Some(&status)).await,
            Verdict::Pending if open => self.wait(due, &status, now).await,
            Verdict::Challenged if open => self.challenged(due, &status, now).await,
            Verdict::Pending => self.end_at_gateway(due, Ending::Expire, now).await,
            Verdict::Challenged => self.end_at_gateway(due, Ending::Deny, now).await,
            Verdict::Other(what) => self.unexpected(due, &status, &what, now).await,
            Verdict::Unknown(why) => self.later(due, now, None, &why).await,
        }
    }

    async fn paid(&self, due: &Due, status: &Transaction, now: i64) -> AppResult<Outcome> {
        let result = match paid_as_asked(status, due.amount, &due.currency) {
            Ok(()) => PaymentResult::Succeeded,
            Err((amount, currency)) => {
                let message = format!(
                    "Midtrans took {} {} for payment {} of {} {}: no seat was sold and the money is being refunded.",
                    status.gross_amount.as_deref().unwrap_or("?"),
                    currency,
                    due.id,
                    due.amount,
                    due.currency
                );
                tracing::error!(payment_id = %due.id, %message, "payment amount mismatch");
                self.alert(
                    "payment_amount_mismatch",
                    format!("Payment {} paid a wrong amount", due.id),
                    message,
                    now,
                )
                .await?;
                PaymentResult::WrongAmount { amount, currency }
            }
        };
        let settled = self
            .inner
            .handles
            .settle(&due.id, "midtrans", result)
            .await?;
        self.close(due, Some(status)).await?;
        Ok(match settled.settlement {
            Settlement::RefundRequired { .. } => Outcome::Refunded,
            _ => Outcome::Paid,
        })
    }

    async fn failed(&self, due: &Due, status: &Transaction) -> AppResult<Outcome> {
        self.inner
            .handles
            .settle(&due.id, "midtrans", PaymentResult::Failed)
            .await?;
        self.close(due, Some(status)).await?;
        Ok(Outcome::Failed)
    }

    /// Not decided yet: asked again after the back-off, and at the latest
    /// when the hold lapses.
    async fn wait(&self, due: &Due, status: &Transaction, now: i64) -> AppResult<Outcome> {
        let step = backoff_step(&self.inner.settings.check_backoff, attempt_index(due));
        let next = (now + millis(step)).min(due.expires_at.max(now + 1));
        self.reschedule(due, next, Some(status)).await?;
        Ok(Outcome::Waiting)
    }

    /// In fraud review: the admins are told once, and an undecided payment
    /// is denied when its hold lapses.
    async fn challenged(&self, due: &Due, status: &Transaction, now: i64) -> AppResult<Outcome> {
        if due.fraud_status.as_deref() != Some("challenge") {
            self.alert(
                "payment_challenged",
                format!("Payment {} needs a fraud review", due.id),
                format!(
                    "Midtrans' fraud detection challenged payment {} ({} {}). Approve or deny it with POST /api/v1/admin/payments/{}/approve or /deny before its hold lapses; undecided, it is denied then.",
                    due.id, due.amount, due.currency, due.id
                ),
                now,
            )
            .await?;
        }
        self.reschedule(due, due.expires_at.max(now + 1), Some(status))
            .await?;
        Ok(Outcome::Challenged)
    }

    /// The hold is gone but Midtrans would still take the money: expire the
    /// transaction (deny a challenged one) so the payer cannot pay.
    async fn end_at_gateway(&self, due: &Due, ending: Ending, now: i64) -> AppResult<Outcome> {
        let order = due.id.to_string();
        let answer = match ending {
            Ending::Expire => self.inner.client.expire(&order).await,
            Ending::Deny => self.inner.client.deny(&order).await,
        };
        let answer: Answer = match answer {
            Ok(answer) => answer,
            Err(error) => return self.later(due, now, None, &error.to_string()).await,
        };
        let ended = answer.transaction();
        match ended.body_code.unwrap_or(ended.code) {
            // Nothing there to end.
            404 if ended.transaction_status.is_none() => self.close(due, Some(&ended)).await,
            // It moved on meanwhile (paid, most likely): ask again at once.
            412 => {
                self.reschedule(due, now, None).await?;
                Ok(Outcome::Waiting)
            }
            _ if verdict(&ended) == Verdict::Failed || ended.code == 407 => {
                self.inner
                    .handles
                    .settle(&due.id, "midtrans", PaymentResult::Failed)
                    .await?;
                self.close(due, Some(&ended)).await?;
                Ok(Outcome::EndedAtGateway)
            }
            _ => {
                let why = format!("{ending:?}: {} {}", ended.code, ended.message);
                self.later(due, now, None, &why).await
            }
        }
    }

    async fn unexpected(
        &self,
        due: &Due,
        status: &Transaction,
        what: &str,
        now: i64,
    ) -> AppResult<Outcome> {
        self.alert(
            "payment_unexpected_status",
            format!("Payment {} has status {what} at Midtrans", due.id),
            format!(
                "Midtrans reports payment {} as `{what}` ({}), which bioskop does not settle on its own; check it on the Midtrans dashboard.",
                due.id, status.message
            ),
            now,
        )
        .await?;
        self.close(due, Some(status)).await
    }

    /// No usable answer: asked again after the back-off.
    async fn later(
        &self,
        due: &Due,
        now: i64,
        status: Option<&Transaction>,
        why: &str,
    ) -> AppResult<Outcome> {
        tracing::warn!(payment_id = %due.id, why, "Midtrans gave no usable answer; asking again later");
        let step = backoff_step(&self.inner.settings.check_backoff, attempt_index(due));
        self.reschedule(due, now + millis(step), status).await?;
        Ok(Outcome::Waiting)
    }

    async fn reschedule(&self, due: &Due, at: i64, status: Option<&Transaction>) -> AppResult<()> {
        let (id, seq) = (due.id.clone(), due.seq);
        let (gateway_status, fraud_status) = statuses(status);
        self.inner
            .handles
            .store
            .write(move |conn| {
                conn.prepare_cached(query!("payments/check_later"))?
                    .execute(params![id, seq, at, gateway_status, fraud_status])?;
                Ok(())
            })
            .await
    }

    async fn close(&self, due: &Due, status: Option<&Transaction>) -> AppResult<Outcome> {
        let (id, seq) = (due.id.clone(), due.seq);
        let (gateway_status, fraud_status) = statuses(status);
        self.inner
            .handles
            .store
            .write(move |conn| {
                conn.prepare_cached(query!("payments/check_closed"))?
                    .execute(params![id, seq, gateway_status, fraud_status])?;
                Ok(())
            })
            .await?;
        Ok(Outcome::Closed)
    }

    async fn give_up(&self, due: &Due, now: i64) -> AppResult<Outcome> {
        let (id, seq) = (due.id.clone(), due.seq);
        let subject = format!("Payment {} could not be confirmed", due.id);
        let message = format!(
            "Midtrans was asked about payment {} {} times without an answer that settles it; check it on the Midtrans dashboard.",
            due.id, due.attempts
        );
        self.inner
            .handles
            .store
            .write(move |conn| {
                conn.prepare_cached(query!("payments/check_given_up"))?
                    .execute(params![id, seq])?;
                notify::alert_once(conn, "payment_unconfirmed", &subject, &message, now)
            })
            .await?;
        Ok(Outcome::GaveUp)
    }

    async fn alert(
        &self,
        kind: &'static str,
        subject: String,
        message: String,
        now: i64,
    ) -> AppResult<()> {
        self.inner
            .handles
            .store
            .write(move |conn| notify::alert_once(conn, kind, &subject, &message, now))
            .await
    }
}

#[derive(Debug, Clone, Copy)]
enum Ending {
    Expire,
    Deny,
}

fn attempt_index(due: &Due) -> usize {
    usize::try_from(due.attempts).unwrap_or(0)
}

fn statuses(status: Option<&Transaction>) -> (Option<String>, Option<String>) {
    status.map_or((None, None), |s| {
        (s.transaction_status.clone(), s.fraud_status.clone())
    })
}
