//! bioskop: a cinema ticketing server. One actor per showtime owns its seats
//! in memory and persists every change to SQLite before answering.

pub mod accounts;
pub mod app;
pub mod bookings;
pub mod catalog;
pub mod clock;
pub mod config;
pub mod error;
pub mod html;
pub mod http;
pub mod notify;
pub mod payments;
pub mod process;
pub mod refunds;
pub mod scheduler;
pub mod seats;
pub mod store;
pub mod testkit;
pub mod tickets;
