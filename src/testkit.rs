//! The whole system in-process for tests: a manual clock, a temporary
//! database with the demo data, the sandbox gateway, HTTP on a free port.
//! Tests drive holds, payment and expiry without waiting, and can restart
//! the system on the same database file.

use std::{path::PathBuf, sync::Arc, time::Duration};

use actix_web::{dev::ServerHandle, web};
use chrono::{DateTime, Utc};
use tokio_cron_scheduler::JobScheduler;

use crate::{
    app::{Application, shutdown},
    clock::{ManualClock, to_millis},
    config::Settings,
    scheduler::{SweepReport, sweep_expired_holds},
    state::AppState,
};

pub const ADMIN_EMAIL: &str = "admin@test.bioskop";
pub const ADMIN_PASSWORD: &str = "admin-password-1";

pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub address: String,
    pub clock: ManualClock,
    pub state: web::Data<AppState>,
    pub settings: Settings,
    server: ServerHandle,
    scheduler: Option<JobScheduler>,
    // Dropped last: removes the database folder.
    dir: Arc<tempfile::TempDir>,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(|_| {}).await
    }

    /// Spawns with settings adjusted by `adjust` (after the test defaults).
    pub async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let dir = Arc::new(tempfile::tempdir().expect("a temporary directory"));
        let mut settings = Settings::defaults();
        settings.http.bind = "127.0.0.1:0".parse().expect("address");
        settings.http.workers = 2;
        settings.database.path = dir.path().join("bioskop.db");
        settings.mail.dir = dir.path().join("mail");
        // Tests run the sweep themselves, at the manual clock's time.
        settings.scheduler.sweep_cron = String::new();
        // Tests stop idle actors themselves (`stop_idle_showtimes`), at the
        // manual clock's time.
        settings.scheduler.stop_idle_showtimes_after = Duration::ZERO;
        // And reconcile Midtrans payments themselves (`TestApp::reconcile`).
        settings.payments.midtrans.reconcile_interval = Duration::ZERO;
        // Limits against abuse are off for the tests that act as many
        // customers from one place; each limit's own tests switch it on.
        settings.booking.max_seats_per_customer = 0;
        settings.booking.rehold_cooldown = Duration::ZERO;
        settings.booking.max_holds_per_customer_per_hour = 0;
        // So is the seating rule: the tests that pick seats one by one would
        // leave lone seats; its own tests switch it on.
        settings.booking.no_single_gap = false;
        settings.accounts.max_signups_per_ip = 0;
        settings.http.max_sse_per_client = 10_000;
        settings.accounts.max_concurrent_hashes = 8;
        settings.accounts.hash_queue = 100_000;
        settings.accounts.hash_wait = Duration::from_secs(300);
        settings.admin.email = ADMIN_EMAIL.into();
        settings.admin.password = ADMIN_PASSWORD.into();
        adjust(&mut settings);
        let clock = ManualClock::new(start_of_minute(Utc::now()));
        TestApp::start(settings, clock, dir).await
    }

    async fn start(settings: Settings, clock: ManualClock, dir: Arc<tempfile::TempDir>) -> TestApp {
        let mut app = Application::build(settings.clone(), Arc::new(clock.clone()))
            .await
            .expect("the application builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        let state = app.state();
        let scheduler = app.take_scheduler();
        let server = app.server_handle();
        actix_web::rt::spawn(app.into_server());
        TestApp {
            address,
            clock,
            state,
            settings,
            server,
            scheduler,
            dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn db_path(&self) -> PathBuf {
        self.settings.database.path.clone()
    }

    pub fn now(&self) -> DateTime<Utc> {
        use crate::clock::Clock;
        self.clock.now()
    }

    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// Stops the showtime actors idle for `idle_after` at the clock's now, as
    /// the minute's job would; answers how many stopped.
    pub async fn stop_idle_showtimes(&self, idle_after: Duration) -> usize {
        self.state.registry.stop_idle(self.now(), idle_after).await
    }

    /// Runs the expiry sweep now, as the cron job would.
    pub async fn sweep(&self) -> SweepReport {
        sweep_expired_holds(&self.state.registry, self.now()).await
    }

    /// One round of the Midtrans reconciler at the clock's now, as its
    /// background loop would run it (tests spawn without that loop).
    pub async fn reconcile(&self) -> crate::payments::midtrans::reconcile::ReconcileReport {
        self.state
            .payments
            .reconciler()
            .expect("Midtrans is the provider")
            .reconcile_due()
            .await
            .expect("a reconcile round")
    }

    /// A scheduled showtime that starts at least a day after the clock's now.
    pub async fn bookable_showtime(&self) -> i64 {
        self.bookable_showtimes(1)
            .await
            .into_iter()
            .next()
            // `bookable_showtimes` asserts that it found as many as asked.
            .expect("one bookable showtime")
    }

    pub async fn bookable_showtimes(&self, count: usize) -> Vec<i64> {
        let from = to_millis(self.now()) + 86_400_000;
        let ids: Vec<i64> = self
            .state
            .store
            .read(move |conn| {
                let mut stmt = conn.prepare(
                    "SELECT id FROM showtimes WHERE status = 'scheduled' AND starts_at >= ?1 ORDER BY starts_at, id",
                )?;
                let ids = stmt.query_map([from], |r| r.get(0))?.collect::<Result<Vec<_>, _>>()?;
                Ok(ids)
            })
            .await
            .expect("showtimes");
        assert!(
            ids.len() >= count,
            "the demo data has {} bookable showtimes",
            ids.len()
        );
        ids.into_iter().take(count).collect()
    }

    /// The next showtime of `showtime`'s movie in its cinema within the week
    /// a cancelled-showtime offer reaches (DESIGN 4c): where its customers
    /// may move.
    pub fn next_showing(&self, showtime: i64) -> i64 {
        self.db()
            .query_row(
                "SELECT t.showtime_id FROM showtime_places s JOIN showtime_places t
                   ON t.movie_id = s.movie_id AND t.cinema_id = s.cinema_id
                 WHERE s.showtime_id = ?1 AND t.showtime_id <> s.showtime_id
                   AND t.status = 'scheduled' AND t.starts_at > s.starts_at
                   AND t.starts_at < s.starts_at + 7 * 86400000
                 ORDER BY t.starts_at LIMIT 1",
                [showtime],
                |r| r.get(0),
            )
            .expect("the demo programme shows each movie again within the week")
    }

    /// A read-only connection to the database, to check what is really stored.
    pub fn db(&self) -> rusqlite::Connection {
        let conn = rusqlite::Connection::open_with_flags(
            self.db_path(),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .expect("open the test database");
        conn.busy_timeout(Duration::from_secs(5))
            .expect("busy timeout");
        conn
    }

    /// Stops everything, as a shutdown would.
    pub async fn stop(mut self) -> (Settings, ManualClock, Arc<tempfile::TempDir>) {
        self.server.stop(true).await;
        shutdown(&self.state, self.scheduler.take()).await;
        (self.settings.clone(), self.clock.clone(), self.dir.clone())
    }

    /// Stops the system and builds it again from the same database file.
    pub async fn restart(self) -> TestApp {
        self.restart_after(Duration::ZERO).await
    }

    /// Like [`TestApp::restart`], with `down_for` passing while it is down.
    pub async fn restart_after(self, down_for: Duration) -> TestApp {
        let (settings, clock, dir) = self.stop().await;
        clock.advance(down_for);
        TestApp::start(settings, clock, dir).await
    }
}

fn start_of_minute(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(at.timestamp() - at.timestamp() % 60, 0).unwrap_or(at)
}
