//! The notifier: sends pending notification rows, one round at a time.
//! A row is marked sent only after the transport accepted it; a crash in
//! between sends it again with the same Message-ID (derived from the row), so
//! mail systems see one message. Transient failures wait `mail.retry_backoff`
//! and try again, for as long as it takes; a permanent rejection marks the row
//! failed and raises an admin alert.

use std::{sync::Arc, time::Duration};

use futures_util::StreamExt;
use lettre::message::Mailbox;
use rusqlite::params;
use serde::Serialize;
use tokio::sync::Notify;

use super::{
    Message, alert,
    render::{self, Rendered},
    transport::{self, MailTransport, SendError, WhatsApp},
};
use crate::{
    clock::{SharedClock, millis, to_millis},
    config::{self, MailLocale, Settings},
    error::{AppError, AppResult},
    status::NotificationStatus,
    store::Store,
};

const BATCH: i64 = 100;
const CONCURRENCY: usize = 4;
const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct NotifyRound {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
    pub skipped: usize,
}

struct Due {
    id: i64,
    channel: String,
    recipient: String,
    /// The row's message, or why it does not read back.
    message: AppResult<Message>,
    attempts: i64,
}

#[derive(Clone)]
enum Outcome {
    Sent {
        subject: String,
    },
    Skipped {
        subject: Option<String>,
        why: String,
    },
    Retry {
        error: String,
    },
    Failed {
        error: String,
    },
}

#[derive(Clone)]
pub struct Notifier {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    clock: SharedClock,
    mail: MailTransport,
    whatsapp: Option<WhatsApp>,
    from: Mailbox,
    /// Right of the `@` in Message-IDs; with `install`, unique per database.
    domain: String,
    install: String,
    locale: MailLocale,
    /// The base of links in messages (`http.public_url`, or the bound address).
    public_url: String,
    backoff: Vec<Duration>,
    wake: Notify,
    round: tokio::sync::Mutex<()>,
}

impl Notifier {
    pub async fn new(
        store: Store,
        clock: SharedClock,
        settings: &Settings,
        public_url: &str,
    ) -> AppResult<Notifier> {
        let from: Mailbox = settings.mail.from.parse().map_err(|e| {
            AppError::validation(
                "invalid_mail_from",
                format!("mail.from `{}`: {e}", settings.mail.from),
            )
        })?;
        let domain = from.email.domain().to_string();
        let install = hex::encode(
            crate::store::secret(&store, "install_id", 6)
                .await?
                .get(..6)
                .unwrap_or_default(),
        );
        Ok(Notifier {
            inner: Arc::new(Inner {
                store,
                clock,
                mail: MailTransport::from_settings(&settings.mail)?,
                whatsapp: WhatsApp::from_settings(&settings.whatsapp),
                from,
                domain,
                install,
                locale: settings.mail.locale,
                public_url: public_url.to_string(),
                backoff: settings.mail.retry_backoff.clone(),
                wake: Notify::new(),
                round: tokio::sync::Mutex::new(()),
            }),
        })
    }

    pub fn describe(&self) -> String {
        let whatsapp = if self.inner.whatsapp.is_some() {
            "WhatsApp on"
        } else {
            "WhatsApp off"
        };
        format!("{}, {whatsapp}", self.inner.mail.describe())
    }

    /// Notifications, newest first, optionally of one status (the admin list).
    pub async fn list(&self, status: Option<String>) -> AppResult<Vec<super::NotificationView>> {
        let status = crate::error::status_filter(status, NotificationStatus::NAMES)?;
        self.inner
            .store
            .read(move |conn| super::list(conn, status.as_deref(), 1000))
            .await
    }

    /// Alerts for the admins, newest first.
    pub async fn alerts(&self) -> AppResult<Vec<super::AlertView>> {
        self.inner.store.read(super::alerts).await
    }

    /// Tells the notifier that new rows are waiting.
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// Sends until the task is aborted.
    pub async fn run(self) {
        loop {
            if let Err(error) = self.run_due().await {
                tracing::warn!(%error, "the notifier could not run; trying again");
            }
            let _ = tokio::time::timeout(POLL_INTERVAL, self.inner.wake.notified()).await;
        }
    }

    /// Sends every pending notification due at the clock's now.
    pub async fn run_due(&self) -> AppResult<NotifyRound> {
        let _one_at_a_time = self.inner.round.lock().await;
        let mut round = NotifyRound::default();
        loop {
            let now = to_millis(self.inner.clock.now());
            let due = self
                .inner
                .store
                .read(move |conn| {
                    Ok(conn
                        .prepare_cached(query!("notify/due"))?
                        .query_map(params![now, BATCH], |r| {
                            Ok(Due {
                                id: r.get(0)?,
                                channel: r.get(1)?,
                                recipient: r.get(2)?,
                                message: Message::parse(
                                    &r.get::<_, String>(3)?,
                                    &r.get::<_, String>(4)?,
                                ),
                                attempts: r.get(5)?,
                            })
                        })?
                        .collect::<Result<Vec<_>, _>>()?)
                })
                .await?;
            let taken = due.len();
            let outcomes: Vec<AppResult<Outcome>> = futures_util::stream::iter(due)
                .map(|row| self.send_one(row))
                .buffer_unordered(CONCURRENCY)
                .collect()
                .await;
            let mut retried = false;
            for outcome in outcomes {
                match outcome? {
                    Outcome::Sent { .. } => round.sent += 1,
                    Outcome::Skipped { .. } => round.skipped += 1,
                    Outcome::Retry { .. } => {
                        round.retrying += 1;
                        retried = true;
                    }
                    Outcome::Failed { .. } => round.failed += 1,
                }
            }
            // A retry is due later; rows taken now are all handled.
            if taken < BATCH as usize || retried {
                return Ok(round);
            }
        }
    }

    async fn send_one(&self, row: Due) -> AppResult<Outcome> {
        let locale = self.inner.locale;
        let rendered = match &row.message {
            // A row that does not read back can never be sent: it fails (and
            // an admin is alerted) instead of going out with blanks.
            Err(error) => Err(AppError::Internal(error.to_string())),
            Ok(message) => {
                let message = message.clone();
                let public_url = self.inner.public_url.clone();
                self.inner
                    .store
                    .read(move |conn| Ok(render::render(conn, &message, locale, &public_url)))
                    .await?
            }
        };
        let outcome = match rendered {
            Ok(rendered) => self.deliver(&row, &rendered).await,
            Err(AppError::Conflict { code, detail }) if code == render::NOTHING_TO_SEND => {
                Outcome::Skipped {
                    subject: None,
                    why: detail,
                }
            }
            Err(AppError::Storage(error)) => Outcome::Retry {
                error: format!("cannot render now: {error}"),
            },
            Err(error) => Outcome::Failed {
                error: format!("cannot render: {error}"),
            },
        };
        self.record(&row, &outcome).await?;
        Ok(outcome)
    }

    async fn deliver(&self, row: &Due, rendered: &Rendered) -> Outcome {
        let subject = rendered.subject.clone();
        let sent = match row.channel.as_str() {
            "email" => {
                let message_id = format!(
                    "<notification-{}.{}@{}>",
                    row.id, self.inner.install, self.inner.domain
                );
                match transport::mail(&self.inner.from, &row.recipient, message_id, rendered) {
                    Ok(message) => self.inner.mail.send(message, row.id).await,
                    Err(error) => Err(error),
                }
            }
            "whatsapp" => match &self.inner.whatsapp {
                None => {
                    return Outcome::Skipped {
                        subject: Some(subject),
                        why: "WhatsApp is not configured (whatsapp.endpoint, whatsapp.token)"
                            .into(),
                    };
                }
                Some(whatsapp) => {
                    let text = format!("{}\n\n{}", rendered.subject, rendered.text);
                    whatsapp.send(&row.recipient, &text).await
                }
            },
            other => Err(SendError::Permanent(format!("unknown channel {other}"))),
        };
        match sent {
            Ok(()) => Outcome::Sent { subject },
            Err(SendError::Transient(error)) => Outcome::Retry { error },
            Err(SendError::Permanent(error)) => Outcome::Failed { error },
        }
    }

    async fn record(&self, row: &Due, outcome: &Outcome) -> AppResult<()> {
        let now = to_millis(self.inner.clock.now());
        let step = usize::try_from(row.attempts).unwrap_or(0);
        let wait = millis(config::backoff_step(&self.inner.backoff, step));
        let (id, attempts) = (row.id, row.attempts);
        let (channel, recipient) = (row.channel.clone(), row.recipient.clone());
        let outcome = outcome.clone();
        self.inner
            .store
            .write(move |conn| {
                match outcome {
                    Outcome::Sent { subject } => {
                        conn.prepare_cached(query!("notify/mark_sent"))?
                            .execute(params![
                                id,
                                attempts,
                                NotificationStatus::Sent,
                                subject,
                                now,
                                None::<String>
                            ])?;
                    }
                    Outcome::Skipped { subject, why } => {
                        conn.prepare_cached(query!("notify/mark_sent"))?
                            .execute(params![
                                id,
                                attempts,
                                NotificationStatus::Skipped,
                                subject,
                                None::<i64>,
                                why
                            ])?;
                    }
                    Outcome::Retry { error } => {
                        conn.prepare_cached(query!("notify/mark_retry"))?
                            .execute(params![id, attempts, error, now.saturating_add(wait)])?;
                    }
                    Outcome::Failed { error } => {
                        let changed = conn
                            .prepare_cached(query!("notify/mark_failed"))?
                            .execute(params![id, attempts, error])?;
                        if changed > 0 {
                            alert(
                                conn,
                                "notification_failed",
                                &id.to_string(),
                                &format!("A {channel} message to {recipient} was refused: {error}"),
                                now,
                            )?;
                        }
                    }
                }
                Ok(())
            })
            .await
    }
}
