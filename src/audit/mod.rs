//! The audit trail: every admin write records who did what to which thing,
//! before and after where it applies, and when, in the same transaction as
//! the change itself (a change is never committed without its row, nor a
//! row without its change). A repeated idempotent action records a row
//! that says it changed nothing. Staff and admin sign-ins are in it too.
//! The admins read it newest first (`GET /admin/audit`, [`list`]), in UTC.

use rusqlite::{Connection, params};
use serde_json::Value;

use crate::{error::AppResult, ids::UserId};

/// One admin write, as the trail keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Who: the admin's account (none for the system itself).
    pub by: Option<UserId>,
    /// What, as `area.verb`: `showtime.cancel`, `refund.retry`, `sandbox.control`.
    pub kind: &'static str,
    /// Which thing: `showtime:12`, `refund:…`.
    pub target: String,
    /// JSON, kept as text.
    pub before: Option<String>,
    pub after: Option<String>,
    /// False for a repeated action that found nothing to do.
    pub changed: bool,
}

impl Entry {
    pub fn new(by: Option<UserId>, kind: &'static str, target: impl Into<String>) -> Entry {
        Entry {
            by,
            kind,
            target: target.into(),
            before: None,
            after: None,
            changed: true,
        }
    }

    pub fn before(mut self, value: Value) -> Entry {
        self.before = Some(value.to_string());
        self
    }

    pub fn after(mut self, value: Value) -> Entry {
        self.after = Some(value.to_string());
        self
    }

    pub fn changed(mut self, changed: bool) -> Entry {
        self.changed = changed;
        self
    }
}

/// Records `entry` in the caller's transaction.
pub fn record(conn: &Connection, entry: &Entry, now: i64) -> AppResult<()> {
    conn.prepare_cached(query!("audit/insert"))?
        .execute(params![
            now,
            entry.by,
            entry.kind,
            entry.target,
            entry.before,
            entry.after,
            entry.changed,
        ])?;
    Ok(())
}

/// `GET /admin/audit`: which page of the trail.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// How many, newest first: 1 to 200 (50 when left out).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Only entries older than this audit id (the last id of the page before).
    pub before: Option<i64>,
    /// Only what this account did.
    pub user_id: Option<i64>,
    /// Only this kind (`showtime.cancel`, `user.update`, `auth.sign_in`, …).
    #[param(max_length = 64)]
    pub kind: Option<String>,
}

/// One entry of the trail as the admins read it. Times are UTC.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    /// The account that did it; none for the system itself.
    pub user_id: Option<i64>,
    pub user_email: Option<String>,
    pub kind: String,
    pub target: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    /// False for a repeated action that found nothing to do.
    pub changed: bool,
}

/// A page of the trail, newest first.
pub fn list(conn: &Connection, query: &AuditQuery) -> AppResult<Vec<AuditEntry>> {
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(crate::error::AppError::validation(
            "invalid_query",
            "limit must be 1 to 200",
        ));
    }
    if query.kind.as_ref().is_some_and(|k| k.chars().count() > 64) {
        return Err(crate::error::AppError::validation(
            "invalid_query",
            "kind is at most 64 characters",
        ));
    }
    let json = |text: Option<String>| text.and_then(|t| serde_json::from_str(&t).ok());
    let entry = |r: &rusqlite::Row<'_>| {
        Ok(AuditEntry {
            id: r.get(0)?,
            at: crate::clock::rfc3339_utc(r.get(1)?),
            user_id: r.get(2)?,
            user_email: r.get(3)?,
            kind: r.get(4)?,
            target: r.get(5)?,
            before: json(r.get(6)?),
            after: json(r.get(7)?),
            changed: r.get(8)?,
        })
    };
    // One query per filter, each an index range (an `?N IS NULL OR …` query
    // would scan the whole trail for a rare kind or user).
    let before = query.before.unwrap_or(i64::MAX);
    let entries = match (query.user_id, query.kind.as_deref()) {
        (None, None) => conn
            .prepare_cached(query!("audit/list"))?
            .query_map(params![before, limit], entry)?
            .collect::<Result<_, _>>()?,
        (Some(user), None) => conn
            .prepare_cached(query!("audit/list_by_user"))?
            .query_map(params![before, limit, user], entry)?
            .collect::<Result<_, _>>()?,
        (None, Some(kind)) => conn
            .prepare_cached(query!("audit/list_by_kind"))?
            .query_map(params![before, limit, kind], entry)?
            .collect::<Result<_, _>>()?,
        (Some(user), Some(kind)) => conn
            .prepare_cached(query!("audit/list_by_user_and_kind"))?
            .query_map(params![before, limit, user, kind], entry)?
            .collect::<Result<_, _>>()?,
    };
    Ok(entries)
}
