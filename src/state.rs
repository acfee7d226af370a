//! What every request handler can reach: the services, built once by
//! the wiring in `app` and shared by the HTTP workers.

use std::sync::Arc;

use crate::{
    accounts::Accounts,
    bookings::Bookings,
    catalog::{Catalog, Locale, showtimes::Showtimes},
    clock::SharedClock,
    config::Settings,
    notify::Notifier,
    offers::Offers,
    ops::Ops,
    payments::{Payments, gateway::SandboxGateway},
    refunds::Refunds,
    scheduler,
    seats::ShowtimeRegistry,
    store::Store,
    tickets::Tickets,
};

/// What every request handler can reach.
pub struct AppState {
    pub settings: Settings,
    pub clock: SharedClock,
    pub store: Store,
    pub accounts: Accounts,
    pub registry: ShowtimeRegistry,
    pub bookings: Bookings,
    /// The cancelled-showtime offer: move or refund (DESIGN 4c).
    pub offers: Offers,
    pub payments: Payments,
    pub catalog: Catalog,
    /// The back office's showtimes (scheduling, prices, moves, deletes).
    pub showtimes: Showtimes,
    pub tickets: Tickets,
    pub ops: Ops,
    /// The built-in gateway (the only one so far): pays refunds, takes scripts.
    pub sandbox: SandboxGateway,
    pub refunds: Refunds,
    pub notifier: Notifier,
    /// The places for live seat streams (per client address and in all).
    pub streams: std::sync::Arc<crate::http::streams::StreamSlots>,
    /// The refund queue's and the notifier's tasks, stopped on shutdown.
    pub workers: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
    pub locale: Locale,
    pub sweeps: Arc<scheduler::SweepStats>,
}
