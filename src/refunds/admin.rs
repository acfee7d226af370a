//! What admins do with refunds: list them, retry a FAILED one (a fresh round
//! of attempts), or resolve it by hand with a note.

use serde_json::json;

use crate::audit::{self, Entry};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::Refunds;
use crate::{
    clock::{rfc3339, to_millis, zone},
    error::{AppError, AppResult},
    ids::{BookingId, PaymentId, RefundId, ShowtimeId, UserId},
    status::RefundStatus,
};

/// A refund as admins see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RefundView {
    pub id: RefundId,
    pub booking_id: BookingId,
    pub payment_id: PaymentId,
    pub showtime_id: ShowtimeId,
    pub user_id: UserId,
    pub customer_email: String,
    pub amount: i64,
    pub currency: String,
    pub reason: String,
    pub status: RefundStatus,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub last_attempt_at: Option<String>,
    pub gateway_reference: Option<String>,
    pub resolution_note: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub completed_at: Option<String>,
    /// The IANA time zone of the showtime's cinema, whose offset the times carry.
    pub timezone: String,
}

impl Refunds {
    /// Refunds, newest first, optionally of one status.
    pub async fn list(&self, status: Option<String>) -> AppResult<Vec<RefundView>> {
        let status = crate::error::status_filter(status, RefundStatus::NAMES)?;
        self.inner
            .store
            .read(move |conn| list_refunds(conn, status.as_deref(), None))
            .await
    }

    /// Puts a FAILED refund back in the queue with a fresh round of attempts.
    pub async fn retry(&self, refund_id: &str, by: UserId) -> AppResult<RefundView> {
        let id = refund_id.to_string();
        let now = to_millis(self.inner.clock.now());
        let view = self
            .inner
            .store
            .write(move |conn| {
                let attempts: Option<i64> = conn
                    .prepare_cached(query!("refunds/retry_failed"))?
                    .query_row(params![id, now], |r| r.get(0))
                    .optional()?;
                match attempts {
                    Some(attempts) => {
                        conn.prepare_cached(query!("refunds/insert_outbox"))?
                            .execute(params![id, attempts + 1, 0, now, now])?;
                        let entry = Entry::new(Some(by), "refund.retry", format!("refund:{id}"))
                            .before(json!({"status": "failed", "attempts": attempts}))
                            .after(json!({"status": "pending"}));
                        audit::record(conn, &entry, now)?;
                    }
                    None => not_failed(conn, &id)?,
                }
                one_refund(conn, &id)
            })
            .await?;
        self.wake();
        Ok(view)
    }

    /// Records that an admin refunded a FAILED refund by hand.
    pub async fn resolve(
        &self,
        refund_id: &str,
        note: String,
        by: UserId,
    ) -> AppResult<RefundView> {
        let note = crate::error::required_text(
            &note,
            1000,
            "note",
            "invalid_note",
            "say how the refund was done",
        )?;
        let id = refund_id.to_string();
        let now = to_millis(self.inner.clock.now());
        self.inner
            .store
            .write(move |conn| {
                let changed = conn
                    .prepare_cached(query!("refunds/resolve_failed"))?
                    .execute(params![id, note, now])?;
                if changed == 0 {
                    not_failed(conn, &id)?;
                }
                let entry = Entry::new(Some(by), "refund.resolve", format!("refund:{id}"))
                    .before(json!({"status": "failed"}))
                    .after(json!({"status": "resolved", "note": note}));
                audit::record(conn, &entry, now)?;
                one_refund(conn, &id)
            })
            .await
    }
}

/// The error for a retry or resolve of a refund that is not FAILED.
fn not_failed(conn: &Connection, refund_id: &str) -> AppResult<()> {
    let status: Option<RefundStatus> = conn
        .prepare_cached(query!("refunds/refund_status"))?
        .query_row(params![refund_id], |r| r.get(0))
        .optional()?;
    match status {
        None => Err(AppError::NotFound("refund")),
        Some(status) => Err(AppError::conflict(
            "refund_not_failed",
            format!("the refund is {status}; only a failed refund can be retried or resolved"),
        )),
    }
}

fn one_refund(conn: &Connection, refund_id: &str) -> AppResult<RefundView> {
    list_refunds(conn, None, Some(refund_id))?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound("refund"))
}

fn list_refunds(
    conn: &Connection,
    status: Option<&str>,
    id: Option<&str>,
) -> AppResult<Vec<RefundView>> {
    Ok(conn
        .prepare_cached(query!("refunds/list_refunds"))?
        .query_map(params![status, id, 1000], |r| {
            let timezone: String = r.get(18)?;
            let offset = zone(&timezone);
            let time = |t: Option<i64>| t.map(|t| rfc3339(t, offset));
            Ok(RefundView {
                id: r.get(0)?,
                booking_id: r.get(1)?,
                payment_id: r.get(2)?,
                showtime_id: r.get(3)?,
                user_id: r.get(4)?,
                customer_email: r.get(5)?,
                amount: r.get(6)?,
                currency: r.get(7)?,
                reason: r.get(8)?,
                status: r.get(9)?,
                attempts: r.get(10)?,
                last_error: r.get(11)?,
                last_attempt_at: time(r.get(12)?),
                gateway_reference: r.get(13)?,
                resolution_note: r.get(14)?,
                created_at: rfc3339(r.get(15)?, offset),
                updated_at: rfc3339(r.get(16)?, offset),
                completed_at: time(r.get(17)?),
                timezone,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?)
}
