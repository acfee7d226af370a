//! Notifications to people: e-mail and WhatsApp messages, recorded as rows of
//! the notification outbox in the same transaction as the event that causes
//! them, so a committed event can never lose its message; the [`notifier`]
//! sends them (lettre over SMTP or `.eml` files, WhatsApp over HTTP), and
//! admins see them at `GET /api/v1/admin/notifications`. Admin alerts (things
//! a person must look at) live here too.

pub mod message;
pub mod notifier;
pub mod render;
pub mod transport;

pub use message::Message;
pub use notifier::Notifier;

use rusqlite::{Connection, params};
use serde::Serialize;

use crate::{clock::rfc3339_utc, error::AppResult, ids::UserId, status::NotificationStatus};

/// Records an e-mail to the user (and a WhatsApp message when they gave a
/// phone number). Runs inside the caller's transaction.
pub fn to_user(
    conn: &Connection,
    user_id: UserId,
    message: &Message,
    now: i64,
) -> AppResult<usize> {
    record(conn, query!("notify/for_user"), Some(user_id), message, now)
}

/// Records an e-mail to every admin. Runs inside the caller's transaction.
pub fn to_admins(conn: &Connection, message: &Message, now: i64) -> AppResult<usize> {
    record(conn, query!("notify/for_admins"), None, message, now)
}

/// Runs one of the recording queries: `?1` user (or NULL), `?2` kind,
/// `?3` subject, `?4` data as JSON, `?5` now.
fn record(
    conn: &Connection,
    sql: &str,
    user_id: Option<UserId>,
    message: &Message,
    now: i64,
) -> AppResult<usize> {
    Ok(conn.prepare_cached(sql)?.execute(params![
        user_id,
        message.kind(),
        message.pending_subject(),
        message.data()?,
        now
    ])?)
}

/// A recorded notification, as the admin list shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NotificationView {
    pub id: i64,
    pub channel: String,
    pub recipient: String,
    pub user_id: Option<i64>,
    pub kind: String,
    pub subject: String,
    pub data: serde_json::Value,
    pub status: NotificationStatus,
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
) -> AppResult<Vec<NotificationView>> {
    Ok(conn
        .prepare_cached(query!("notify/list"))?
        .query_map(params![status, limit], |r| {
            Ok(NotificationView {
                id: r.get(0)?,
                channel: r.get(1)?,
                recipient: r.get(2)?,
                user_id: r.get(3)?,
                kind: r.get(4)?,
                subject: r.get(5)?,
                data: stored_data(r.get(0)?, &r.get::<_, String>(6)?),
                status: r.get(7)?,
                attempts: r.get(8)?,
                last_error: r.get(9)?,
                created_at: rfc3339_utc(r.get(10)?),
                sent_at: r.get::<_, Option<i64>>(11)?.map(rfc3339_utc),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?)
}

/// A row's facts for the admin list; a row that does not read back is
/// logged and shown as `null` rather than failing the whole list.
fn stored_data(id: i64, data: &str) -> serde_json::Value {
    serde_json::from_str(data).unwrap_or_else(|error| {
        tracing::error!(%error, notification = id, "a notification's data is not JSON");
        serde_json::Value::Null
    })
}

/// Records an alert for the admins in the caller's transaction.
pub fn alert(
    conn: &Connection,
    kind: &str,
    subject: &str,
    message: &str,
    now: i64,
) -> AppResult<()> {
    conn.prepare_cached(query!("notify/insert_alert"))?
        .execute(params![kind, subject, message, now])?;
    Ok(())
}

/// Records an alert about one thing (named by its subject) unless it was
/// raised already: a job that retries never alerts twice. A new one is also
/// mailed to the admins, in the same transaction.
pub fn alert_once(
    conn: &Connection,
    kind: &str,
    subject: &str,
    message: &str,
    now: i64,
) -> AppResult<()> {
    let raised = conn
        .prepare_cached(query!("notify/insert_alert_once"))?
        .execute(params![kind, subject, message, now])?;
    if raised > 0 {
        let facts = message::AlertFacts {
            kind: kind.to_string(),
            subject: subject.to_string(),
            message: message.to_string(),
        };
        to_admins(conn, &Message::AdminAlert(facts), now)?;
    }
    Ok(())
}

/// An alert for admins.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AlertView {
    pub id: i64,
    pub kind: String,
    pub subject: String,
    pub message: String,
    pub created_at: String,
}

/// Alerts, newest first.
pub fn alerts(conn: &Connection) -> AppResult<Vec<AlertView>> {
    Ok(conn
        .prepare_cached(query!("notify/list_alerts"))?
        .query_map(params![500], |r| {
            Ok(AlertView {
                id: r.get(0)?,
                kind: r.get(1)?,
                subject: r.get(2)?,
                message: r.get(3)?,
                created_at: rfc3339_utc(r.get(4)?),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?)
}
