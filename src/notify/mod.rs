//! Notifications to people: e-mail and WhatsApp messages, recorded as rows of
//! the notification outbox in the same transaction as the event that causes
//! them, so a committed event can never lose its message. Sending the rows
//! (lettre, WhatsApp HTTP) is the notifier's job; until it runs they wait as
//! `pending` and are listed at `GET /api/v1/admin/notifications`.

use rusqlite::{Connection, params};
use serde::Serialize;

use chrono::FixedOffset;

use crate::{clock::rfc3339, error::AppResult};

macro_rules! query {
    ($name:literal) => {
        include_str!(concat!("../../sql/queries/notify/", $name, ".sql"))
    };
}

/// What a message is about; the notifier picks its text from this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    ShowtimeCancelled,
    RefundSucceeded,
    RefundNeedsManualHandling,
    /// To the admins: a refund failed after its last attempt.
    RefundFailed,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ShowtimeCancelled => "showtime_cancelled",
            Kind::RefundSucceeded => "refund_succeeded",
            Kind::RefundNeedsManualHandling => "refund_manual",
            Kind::RefundFailed => "refund_failed",
        }
    }
}

/// Records an e-mail to the user (and a WhatsApp message when they gave a
/// phone number). Runs inside the caller's transaction.
pub fn to_user(
    conn: &Connection,
    user_id: i64,
    kind: Kind,
    subject: &str,
    data: &impl Serialize,
    now: i64,
) -> AppResult<usize> {
    let data = serde_json::to_string(data).unwrap_or_else(|_| "{}".into());
    Ok(conn.prepare_cached(query!("for_user"))?.execute(params![
        user_id,
        kind.as_str(),
        subject,
        data,
        now
    ])?)
}

/// Records an e-mail to every admin. Runs inside the caller's transaction.
pub fn to_admins(
    conn: &Connection,
    kind: Kind,
    subject: &str,
    data: &impl Serialize,
    now: i64,
) -> AppResult<usize> {
    let data = serde_json::to_string(data).unwrap_or_else(|_| "{}".into());
    Ok(conn.prepare_cached(query!("for_admins"))?.execute(params![
        kind.as_str(),
        subject,
        data,
        now
    ])?)
}

/// A recorded notification, as the admin list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct NotificationView {
    pub id: i64,
    pub channel: String,
    pub recipient: String,
    pub user_id: Option<i64>,
    pub kind: String,
    pub subject: String,
    pub data: serde_json::Value,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
}

/// Notifications, newest first, optionally of one status.
pub fn list(
    conn: &Connection,
    status: Option<&str>,
    limit: i64,
    offset: FixedOffset,
) -> AppResult<Vec<NotificationView>> {
    Ok(conn
        .prepare_cached(query!("list"))?
        .query_map(params![status, limit], |r| {
            Ok(NotificationView {
                id: r.get(0)?,
                channel: r.get(1)?,
                recipient: r.get(2)?,
                user_id: r.get(3)?,
                kind: r.get(4)?,
                subject: r.get(5)?,
                data: serde_json::from_str(&r.get::<_, String>(6)?).unwrap_or_default(),
                status: r.get(7)?,
                attempts: r.get(8)?,
                last_error: r.get(9)?,
                created_at: rfc3339(r.get(10)?, offset),
                sent_at: r.get::<_, Option<i64>>(11)?.map(|t| rfc3339(t, offset)),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?)
}
