//! Sales reports (DESIGN 4a): what the showtimes of some cinema-local days
//! sold, by day, movie or showtime, as JSON or CSV (RFC 4180).
//!
//! A row's day is its showtime's local date in its cinema's zone. A ticket
//! counts in `tickets_sold` and `gross` once issued, refunded or not; the
//! money refunds paid back for tickets (succeeded, or resolved by hand) is in
//! `refunded`; money taken without a ticket (a late payment refunded at once)
//! is in neither. `capacity` counts the seats of every showtime in the row,
//! cancelled ones too.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use crate::{
    clock::{from_millis, local_date, local_day, rfc3339, zone},
    error::{AppError, AppResult},
};

/// The longest report, in days.
pub const MAX_DAYS: i64 = 366;

/// How the rows of a report are cut.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    #[default]
    Day,
    Movie,
    Showtime,
}

/// `GET /admin/reports/sales`.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SalesQuery {
    /// The first local date (`YYYY-MM-DD`), included.
    #[param(format = Date)]
    pub from: String,
    /// The last local date, included (at most 366 days after `from`).
    #[param(format = Date)]
    pub to: String,
    /// `day` (the default), `movie` or `showtime`.
    #[serde(default)]
    #[param(inline)]
    pub group_by: GroupBy,
    /// One cinema; all when left out.
    pub cinema_id: Option<i64>,
    /// `csv` for CSV (as `Accept: text/csv` does); JSON otherwise.
    #[param(pattern = "^(csv|json)$")]
    pub format: Option<String>,
}

/// One row, or the total.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SalesRow {
    /// The date `YYYY-MM-DD`, the movie id or the showtime id (`total` for the total).
    pub key: String,
    pub label: String,
    pub tickets_sold: i64,
    pub capacity: i64,
    /// `tickets_sold / capacity`, 0 to 1.
    pub occupancy: f64,
    pub gross: i64,
    pub refunded: i64,
    /// `gross - refunded`.
    pub net: i64,
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SalesReport {
    pub rows: Vec<SalesRow>,
    pub total: SalesRow,
}

#[derive(Debug, Clone, Default)]
struct Figures {
    tickets_sold: i64,
    capacity: i64,
    gross: i64,
    refunded: i64,
}

impl Figures {
    fn add(&mut self, other: &Figures) {
        self.tickets_sold += other.tickets_sold;
        self.capacity += other.capacity;
        self.gross += other.gross;
        self.refunded += other.refunded;
    }

    fn row(&self, key: String, label: String, currency: &str) -> SalesRow {
        let occupancy = if self.capacity > 0 {
            // Rounded to 4 places: a ratio people read, the same in JSON and CSV.
            ((self.tickets_sold as f64 / self.capacity as f64) * 10_000.0).round() / 10_000.0
        } else {
            0.0
        };
        SalesRow {
            key,
            label,
            tickets_sold: self.tickets_sold,
            capacity: self.capacity,
            occupancy,
            gross: self.gross,
            refunded: self.refunded,
            net: self.gross - self.refunded,
            currency: currency.to_string(),
        }
    }
}

fn date(field: &str, text: &str) -> AppResult<NaiveDate> {
    crate::fields::local_date(text).ok_or_else(|| {
        AppError::validation(
            "invalid_date",
            format!("`{field}` must be a date like 2026-11-24, not `{text}`"),
        )
    })
}

/// The report of `query`'s local days, in `currency`.
pub fn sales(conn: &Connection, query: &SalesQuery, currency: &str) -> AppResult<SalesReport> {
    let from = date("from", &query.from)?;
    let to = date("to", &query.to)?;
    let days = (to - from).num_days() + 1;
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(AppError::validation(
            "invalid_date",
            format!("`to` must be from `from` to {MAX_DAYS} days after it"),
        ));
    }
    // Every zone's local day lies within 14 hours of the UTC one.
    let margin = 15 * 3_600_000;
    let (start, _) = local_day(from, chrono_tz::UTC);
    let (_, end) = local_day(to, chrono_tz::UTC);
    // Ordered by day; by title (then id); by start (then id).
    let mut groups: BTreeMap<(i64, String, i64), (String, String, Figures)> = BTreeMap::new();
    let mut statement = conn.prepare_cached(query!("reports/sales_by_showtime"))?;
    let mut found = statement.query(params![start - margin, end + margin, query.cinema_id])?;
    while let Some(r) = found.next()? {
        let zone = zone(&r.get::<_, String>(5)?);
        let starts_at: i64 = r.get(6)?;
        let day = local_date(from_millis(starts_at), zone);
        if day < from || day > to {
            continue;
        }
        let figures = Figures {
            capacity: r.get(7)?,
            tickets_sold: r.get(8)?,
            gross: r.get(9)?,
            refunded: r.get(10)?,
        };
        let showtime: i64 = r.get(0)?;
        let movie: i64 = r.get(1)?;
        let title: String = r.get(2)?;
        let (order, key, label) = match query.group_by {
            GroupBy::Day => ((0, day.to_string(), 0), day.to_string(), day.to_string()),
            GroupBy::Movie => ((0, title.clone(), movie), movie.to_string(), title),
            GroupBy::Showtime => {
                let label = format!(
                    "{title} · {} · {} · {}",
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(3)?,
                    rfc3339(starts_at, zone)
                );
                (
                    (starts_at, String::new(), showtime),
                    showtime.to_string(),
                    label,
                )
            }
        };
        groups
            .entry(order)
            .or_insert_with(|| (key, label, Figures::default()))
            .2
            .add(&figures);
    }
    let mut total = Figures::default();
    let rows = groups
        .into_values()
        .map(|(key, label, figures)| {
            total.add(&figures);
            figures.row(key, label, currency)
        })
        .collect();
    Ok(SalesReport {
        rows,
        total: total.row("total".into(), "Total".into(), currency),
    })
}

/// The report as CSV (RFC 4180: CRLF, a header row, fields quoted when they
/// hold a comma, a quote or a line break; integer amounts), its total last.
///
/// Labels are names an admin typed (movies, cinemas, auditoriums). One that
/// starts like a formula (`=`, `+`, `-`, `@`, a tab or a carriage return)
/// would be run by a spreadsheet opening the file ("CSV injection", OWASP):
/// it is written after a single quote, in quotes, so it reads as text.
pub fn csv(report: &SalesReport) -> String {
    fn field(text: &str) -> String {
        if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("\"'{}\"", text.replace('"', "\"\""))
        } else if text.contains([',', '"', '\r', '\n']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text.to_string()
        }
    }
    let mut out =
        String::from("key,label,tickets_sold,capacity,occupancy,gross,refunded,net,currency\r\n");
    for row in report.rows.iter().chain(std::iter::once(&report.total)) {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\r\n",
            field(&row.key),
            field(&row.label),
            row.tickets_sold,
            row.capacity,
            row.occupancy,
            row.gross,
            row.refunded,
            row.net,
            field(&row.currency),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_that_starts_like_a_spreadsheet_formula_is_written_as_text() {
        let row = |label: &str| SalesRow {
            key: "1".into(),
            label: label.into(),
            tickets_sold: 0,
            capacity: 1,
            occupancy: 0.0,
            gross: 0,
            refunded: 0,
            net: 0,
            currency: "IDR".into(),
        };
        let report = SalesReport {
            rows: vec![
                row("=HYPERLINK(\"http://x\",\"y\")"),
                row("+1"),
                row("-2"),
                row("@SUM(A1)"),
                row("\tx"),
            ],
            total: row("Total"),
        };
        let written = csv(&report);
        let lines: Vec<&str> = written.split("\r\n").collect();
        assert_eq!(
            lines[1],
            "1,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",0,1,0,0,0,0,IDR"
        );
        assert_eq!(lines[2], "1,\"'+1\",0,1,0,0,0,0,IDR");
        assert_eq!(lines[3], "1,\"'-2\",0,1,0,0,0,0,IDR");
        assert_eq!(lines[4], "1,\"'@SUM(A1)\",0,1,0,0,0,0,IDR");
        assert_eq!(lines[5], "1,\"'\tx\",0,1,0,0,0,0,IDR");
        assert_eq!(lines[6], "1,Total,0,1,0,0,0,0,IDR");
    }

    #[test]
    fn csv_quotes_what_needs_quoting_and_ends_lines_with_crlf() {
        let row = |key: &str, label: &str| SalesRow {
            key: key.into(),
            label: label.into(),
            tickets_sold: 3,
            capacity: 8,
            occupancy: 0.375,
            gross: 120_000,
            refunded: 40_000,
            net: 80_000,
            currency: "IDR".into(),
        };
        let report = SalesReport {
            rows: vec![row("7", "Senja, \"di\" Losari")],
            total: row("total", "Total"),
        };
        assert_eq!(
            csv(&report),
            "key,label,tickets_sold,capacity,occupancy,gross,refunded,net,currency\r\n\
             7,\"Senja, \"\"di\"\" Losari\",3,8,0.375,120000,40000,80000,IDR\r\n\
             total,Total,3,8,0.375,120000,40000,80000,IDR\r\n"
        );
    }
}
