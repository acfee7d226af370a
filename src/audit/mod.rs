//! The audit trail: every admin write records who did what to which thing,
//! before and after where it applies, and when, in the same transaction as
//! the change itself (a change is never committed without its row, nor a
//! row without its change). A repeated idempotent action records a row
//! that says it changed nothing. Reading the trail over HTTP comes with the
//! staff pages.

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
