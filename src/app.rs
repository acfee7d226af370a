//! Wiring: builds the whole system from settings and a clock, binds the HTTP
//! listener (port 0 picks a free one, for tests) and starts the background jobs.

use std::{net::TcpListener, sync::Arc};

use secrecy::ExposeSecret;

use actix_web::{App, HttpServer, dev::Server, middleware, web};
use tokio_cron_scheduler::JobScheduler;
use tracing_actix_web::TracingLogger;

use crate::{
    accounts::{Accounts, admin::AdminCreated},
    bookings::Bookings,
    catalog::{self, Catalog, Locale, demo, showtimes::Showtimes},
    clock::SharedClock,
    config::{Mode, Settings},
    error::AppError,
    http,
    notify::Notifier,
    offers::Offers,
    ops::Ops,
    payments::{
        self, PaymentHandles, Payments,
        gateway::SandboxGateway,
        midtrans::{MidtransClient, MidtransRefunds, reconcile::Reconciler},
        router::ProviderGateways,
    },
    refunds::{self, Refunds},
    scheduler,
    seats::{ShowtimeRegistry, book::Rules},
    state::AppState,
    store::Store,
    tickets::Tickets,
};

/// The admin made ready at start, to print. Only a password bioskop
/// generated (the demo admin's) is kept here: a configured one is never
/// printed.
#[derive(Debug, Clone)]
pub struct AdminLogin {
    pub email: String,
    pub generated_password: Option<String>,
}

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
    scheduler: Option<JobScheduler>,
    pub admin: Option<AdminLogin>,
    pub seeded: Option<demo::DemoSummary>,
    pub recovered_showtimes: usize,
}

/// The demo admin's address when none is configured.
const DEMO_ADMIN_EMAIL: &str = "admin@bioskop.local";

impl Application {
    /// Must run inside an actix `System` (e.g. `#[actix_web::main]`).
    pub async fn build(settings: Settings, clock: SharedClock) -> anyhow::Result<Application> {
        if settings.mode == Mode::Production {
            let problems = settings.production_problems();
            if !problems.is_empty() {
                anyhow::bail!(
                    "bioskop refuses to start in production mode until these are fixed:\n  - {}",
                    problems.join("\n  - ")
                );
            }
        }
        let store = Store::open(&settings.database.path, settings.database.synchronous)?;
        store.limit_queued_writes(settings.database.max_queued_writes);
        let locale = Locale {
            currency: settings.booking.currency.clone(),
        };
        let accounts = Accounts::new(store.clone(), clock.clone(), settings.accounts.clone());

        let mut admin = None;
        if !settings.admin.email.is_empty() && !settings.admin.password.expose_secret().is_empty() {
            // Never promotes: a customer who registered this e-mail first
            // stays a customer, and the start is refused.
            let ready = accounts
                .ensure_admin(
                    &settings.admin.email,
                    settings.admin.password.expose_secret(),
                )
                .await
                .map_err(|e| anyhow::anyhow!("admin.email in the configuration: {e}"))?;
            let user = match ready {
                AdminCreated::Created(user)
                | AdminCreated::PasswordReset { user, .. }
                | AdminCreated::Unchanged(user) => user,
            };
            admin = Some(AdminLogin {
                email: user.email,
                generated_password: None,
            });
        }
        let mut seeded = None;
        if settings.demo.seed_on_empty && store.read(catalog::is_empty).await? {
            let seed_settings = settings.clone();
            let now = clock.now();
            seeded = Some(
                store
                    .write(move |conn| demo::seed(conn, &seed_settings, now))
                    .await?,
            );
            if admin.is_none() {
                let password = hex::encode(rand::random::<[u8; 9]>());
                accounts
                    .ensure_admin(DEMO_ADMIN_EMAIL, &password)
                    .await
                    .map_err(|e| anyhow::anyhow!("the demo admin: {e}"))?;
                admin = Some(AdminLogin {
                    email: DEMO_ADMIN_EMAIL.into(),
                    generated_password: Some(password),
                });
            }
        }

        let rules = Rules {
            hold_ttl_ms: crate::clock::millis(settings.booking.hold_ttl),
            max_seats: settings.booking.max_seats_per_booking,
            currency: settings.booking.currency.clone(),
            rehold_cooldown_ms: crate::clock::millis(settings.booking.rehold_cooldown),
            no_single_gap: settings.booking.no_single_gap,
        };
        let registry = ShowtimeRegistry::new(store.clone(), rules, clock.clone());
        let recovered_showtimes = registry.recover().await?;

        let listener = TcpListener::bind(settings.http.bind)?;
        let address = listener.local_addr()?;
        // HSTS only where browsers reach the server over https.
        let https = settings.http.is_https();
        let public_url = if settings.http.public_url.is_empty() {
            format!("http://{address}")
        } else {
            settings.http.public_url.clone()
        };
        let secret =
            payments::webhook_secret(&store, settings.payments.webhook_secret.expose_secret())
                .await?;
        let midtrans = midtrans_client(&settings)?;
        let sandbox = SandboxGateway::new(store.clone(), clock.clone());
        let gateways =
            ProviderGateways::new(sandbox.clone(), midtrans.clone().map(MidtransRefunds::new));
        let refunds = Refunds::new(
            store.clone(),
            clock.clone(),
            Arc::new(gateways),
            settings.refunds.clone(),
        );
        // Refunds recorded before a crash or while the broker was away are
        // in the outbox: the queue picks them up as soon as it runs.
        let amqp_url = settings.queue.amqp_url.expose_secret().trim();
        let refund_queue = if amqp_url.is_empty() {
            actix_web::rt::spawn(refunds.clone().run_embedded())
        } else {
            actix_web::rt::spawn(refunds::amqp::run(
                refunds.clone(),
                amqp_url.to_string(),
                settings.queue.name_prefix.clone(),
            ))
        };
        // Messages recorded before a crash are pending rows: sent from here on.
        let notifier = Notifier::new(store.clone(), clock.clone(), &settings, &public_url).await?;
        let notifier_task = actix_web::rt::spawn(notifier.clone().run());
        let handles = PaymentHandles {
            registry: registry.clone(),
            store: store.clone(),
            clock: clock.clone(),
            locale: locale.clone(),
            notifier: notifier.clone(),
            refunds: refunds.clone(),
        };
        let mut payments = Payments::new(
            settings.payments.provider.clone(),
            public_url,
            secret,
            handles.clone(),
        );
        let mut tasks = vec![refund_queue, notifier_task];
        // Showtimes nobody uses give their memory back (a year of programme
        // would otherwise stay loaded once each showtime was looked at).
        tasks.push(actix_web::rt::spawn(registry.clone().stop_idle_every(
            std::time::Duration::from_secs(60),
            settings.scheduler.stop_idle_showtimes_after,
        )));
        // Sessions past their expiry log nobody in; their rows go hourly.
        tasks.push(actix_web::rt::spawn(
            accounts
                .clone()
                .purge_sessions_every(std::time::Duration::from_secs(3600)),
        ));
        if let Some(client) = midtrans {
            // Payments whose notification never came, holds that lapsed while
            // paying, opens that failed: asked about from the first second.
            let reconciler =
                Reconciler::new(client.clone(), handles, settings.payments.midtrans.clone());
            let interval = settings.payments.midtrans.reconcile_interval;
            if !interval.is_zero() {
                tasks.push(actix_web::rt::spawn(reconciler.clone().run(interval)));
            }
            payments = payments.with_midtrans(
                client,
                reconciler,
                settings.payments.midtrans.check_before_lapse,
                settings.payments.midtrans.request_timeout,
            );
        }
        let bookings = Bookings::new(
            registry.clone(),
            store.clone(),
            clock.clone(),
            locale.clone(),
            payments.clone(),
            refunds.clone(),
            notifier.clone(),
        )
        .with_hold_limits(crate::bookings::HoldLimits::new(&settings.booking))
        .with_offer_windows(&settings.offers);
        let catalog = Catalog::new(
            store.clone(),
            clock.clone(),
            locale.clone(),
            settings.catalog.default_timezone,
        )
        .with_registry(registry.clone());
        let showtimes = Showtimes::new(
            store.clone(),
            clock.clone(),
            registry.clone(),
            settings.catalog.cleaning_gap,
            settings.booking.currency.clone(),
        );
        let tickets = Tickets::new(
            store.clone(),
            clock.clone(),
            locale.clone(),
            settings.checkin.opens_before,
        );
        let offers = Offers::new(
            registry.clone(),
            store.clone(),
            clock.clone(),
            notifier.clone(),
            refunds.clone(),
        );
        // Moves decided before a crash and not made: made now, exactly once.
        match offers.resume_moves(i64::MAX).await {
            Ok(round) if round.moved + round.undone + round.failed > 0 => tracing::info!(
                moved = round.moved,
                undone = round.undone,
                failed = round.failed,
                "decided moves taken up again"
            ),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "decided moves wait for the next minute"),
        }
        let sweeps = Arc::new(scheduler::SweepStats::default());
        let scheduler = if settings.scheduler.sweep_cron.trim().is_empty() {
            None
        } else {
            Some(
                scheduler::start(
                    registry.clone(),
                    sweeps.clone(),
                    offers.clone(),
                    &settings.scheduler.sweep_cron,
                )
                .await?,
            )
        };

        let ops = Ops::new(
            store.clone(),
            registry.clone(),
            sweeps.clone(),
            refunds.clone(),
            notifier.clone(),
        );

        let workers = match settings.http.workers {
            0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
            n => n,
        };
        let streams = http::streams::StreamSlots::new(
            settings.http.max_sse_per_client,
            settings.http.max_sse,
        );
        let state = web::Data::new(AppState {
            settings,
            clock,
            store,
            accounts,
            registry,
            bookings,
            offers,
            payments,
            catalog,
            showtimes,
            tickets,
            ops,
            sandbox,
            refunds,
            notifier,
            streams,
            workers: std::sync::Mutex::new(tasks),
            locale,
            sweeps,
        });
        let app_state = state.clone();
        let sandbox_routed = state.settings.mode != Mode::Production;
        let server = HttpServer::new(move || {
            App::new()
                .app_data(app_state.clone())
                .wrap_fn(move |req, srv| {
                    use actix_web::dev::Service;
                    let headers = http::headers::for_path(req.path(), https);
                    let answer = srv.call(req);
                    async move {
                        let mut answer = answer.await?;
                        for (name, value) in headers {
                            answer.headers_mut().insert(name, value);
                        }
                        Ok(answer)
                    }
                })
                .wrap(middleware::NormalizePath::trim())
                .wrap(TracingLogger::<http::RequestLog>::new())
                .configure(|cfg| http::configure(cfg, sandbox_routed))
        })
        .workers(workers)
        .listen(listener)?
        .run();

        Ok(Application {
            port: address.port(),
            server,
            state,
            scheduler,
            admin,
            seeded,
            recovered_showtimes,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    pub fn server_handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until the server stops (Ctrl-C, SIGTERM), then shuts down in order.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Application {
            server,
            state,
            scheduler,
            ..
        } = self;
        let result = server.await;
        shutdown(&state, scheduler).await;
        result
    }
}

/// The Midtrans client when Midtrans is the provider; an unknown provider,
/// or Midtrans without its server key, stops the start.
fn midtrans_client(settings: &Settings) -> anyhow::Result<Option<MidtransClient>> {
    match settings.payments.provider.as_str() {
        "sandbox" => Ok(None),
        "midtrans" => {
            if settings
                .payments
                .midtrans
                .server_key
                .expose_secret()
                .trim()
                .is_empty()
            {
                return Err(AppError::validation(
                    "missing_setting",
                    "payments.provider is midtrans but payments.midtrans.server_key is empty",
                )
                .into());
            }
            Ok(Some(MidtransClient::new(&settings.payments.midtrans)?))
        }
        other => Err(AppError::validation(
            "unknown_provider",
            format!("payments.provider `{other}` is not supported; use sandbox or midtrans"),
        )
        .into()),
    }
}

/// Stops the jobs, the actors and then the writer (which commits what it has).
/// A refund attempt cut short is redelivered later: attempts are idempotent.
pub async fn shutdown(state: &AppState, scheduler: Option<JobScheduler>) {
    // A poisoned list still holds the tasks: they are stopped all the same.
    let workers = std::mem::take(
        &mut *state
            .workers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    for task in workers {
        task.abort();
        // An aborted task ends with a `cancelled` error: that is the point.
        let _ = task.await;
    }
    if let Some(mut scheduler) = scheduler
        && let Err(error) = scheduler.shutdown().await
    {
        tracing::warn!(%error, "stopping the scheduler");
    }
    // Stopping the actors' thread and the writer joins threads: that waits on
    // a blocking thread, not on one of the runtime's.
    let registry = state.registry.clone();
    let store = state.store.clone();
    let stopped = tokio::task::spawn_blocking(move || {
        registry.stop();
        store.close();
    })
    .await;
    if let Err(error) = stopped {
        tracing::error!(%error, "stopping the showtime actors and the database writer");
    }
}

impl Application {
    /// Takes the scheduler out, for a caller that runs the server itself.
    pub fn take_scheduler(&mut self) -> Option<JobScheduler> {
        self.scheduler.take()
    }

    pub fn into_server(self) -> Server {
        self.server
    }
}
