//! bioskop: a cinema ticketing server. One actor per showtime owns its seats
//! in memory and persists every change to SQLite before answering.

/// The text of a query kept in `sql/queries/`, compiled in:
/// `query!("seats/lock_seat")` is `sql/queries/seats/lock_seat.sql`.
macro_rules! query {
    ($path:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/sql/queries/",
            $path,
            ".sql"
        ))
    };
}

pub mod accounts;
pub mod app;
pub mod audit;
pub mod bookings;
pub mod catalog;
pub mod cli;
pub mod clock;
pub mod config;
pub mod error;
pub mod fields;
pub mod gateway;
pub mod html;
pub mod http;
pub mod ids;
pub mod notify;
pub mod offers;
pub mod ops;
pub mod payments;
pub mod process;
pub mod pruning;
pub mod refunds;
pub mod reports;
pub mod scheduler;
pub mod seats;
pub mod state;
pub mod status;
pub mod store;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod tickets;
