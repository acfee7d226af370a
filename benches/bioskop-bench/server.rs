//! The server under test runs in its own process (this executable with the
//! hidden `serve` command), so the load generator and the server compete for
//! the machine's two cores the way a real client and server would.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use bioskop::{app::Application, clock::SystemClock, config::Settings};

/// Which implementation serves the hold endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Engine {
    /// The product: one actor per showtime, group-committed SQLite.
    Actors,
    /// The baseline: one BEGIN IMMEDIATE transaction per request.
    DirectSqlite,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Actors => "actors",
            Engine::DirectSqlite => "direct-sqlite",
        }
    }
}

pub struct ServerProcess {
    child: Child,
    pub base: String,
    /// From spawning the process to its "ready" line.
    pub startup: Duration,
    /// Lines the server printed before "ready".
    pub banner: Vec<String>,
}

impl ServerProcess {
    pub fn spawn(engine: Engine, dir: &Path, sweep_cron: &str) -> anyhow::Result<ServerProcess> {
        ServerProcess::spawn_with(engine, dir, sweep_cron, &[])
    }

    /// As [`ServerProcess::spawn`], with more arguments for `serve`.
    pub fn spawn_with(
        engine: Engine,
        dir: &Path,
        sweep_cron: &str,
        extra: &[&str],
    ) -> anyhow::Result<ServerProcess> {
        let started = Instant::now();
        let mut child = Command::new(std::env::current_exe()?)
            .arg("serve")
            .arg("--engine")
            .arg(engine.name())
            .arg("--dir")
            .arg(dir)
            .arg("--sweep-cron")
            .arg(sweep_cron)
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
        let mut lines = BufReader::new(stdout).lines();
        let mut base = None;
        let mut banner = Vec::new();
        for line in lines.by_ref() {
            let line = line?;
            if let Some(address) = line.strip_prefix("listening on ") {
                base = Some(address.trim().to_string());
            }
            if line.trim() == "ready" {
                break;
            }
            banner.push(line);
        }
        let startup = started.elapsed();
        std::thread::spawn(move || for _ in lines {});
        let base = base.ok_or_else(|| anyhow::anyhow!("the server did not start: {banner:?}"))?;
        Ok(ServerProcess {
            child,
            base,
            startup,
            banner,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory of the server process, in bytes.
    pub fn resident_bytes(&self) -> u64 {
        bioskop::process::resident_bytes(&self.pid().to_string())
    }

    /// The server process's peak resident memory so far (the kernel's
    /// `VmHWM`), in bytes; 0 where there is no /proc.
    pub fn peak_resident_bytes(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .ok()
            .and_then(|status| {
                status
                    .lines()
                    .find_map(|l| l.strip_prefix("VmHWM:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            })
            .map_or(0, |kb| kb * 1024)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `serve` command: runs one engine on a prepared database until killed.
/// `trust_local_proxy`: the load generator is believed as a reverse proxy
/// (`http.trusted_proxies = ["127.0.0.1"]`), so each of its clients can
/// stand for its own address with `X-Forwarded-For`.
pub fn serve(
    engine: Engine,
    dir: &Path,
    sweep_cron: String,
    trust_local_proxy: bool,
    no_single_gap: bool,
) -> anyhow::Result<()> {
    let db = super::fixture::db_path(dir);
    actix_web::rt::System::new().block_on(async move {
        match engine {
            Engine::Actors => {
                // BIOSKOP__* variables still apply, for experiments (e.g. HTTP workers).
                let mut settings = Settings::load(None)?;
                settings.http.bind = "127.0.0.1:0".parse()?;
                settings.database.path = db;
                settings.mail.dir = dir.join("mail");
                settings.demo.seed_on_empty = false;
                settings.scheduler.sweep_cron = sweep_cron;
                // Like for like with the direct engine, which has no limits
                // against hoarding: the bench's customers hold and re-hold
                // as a flash sale's do, and each limit has its own tests.
                settings.booking.max_seats_per_customer = 0;
                settings.booking.rehold_cooldown = std::time::Duration::ZERO;
                settings.booking.max_holds_per_customer_per_hour = 0;
                // Like for like with the direct-SQLite engine, which has no
                // seating rule, unless a scenario asks for it.
                settings.booking.no_single_gap = no_single_gap;
                // All its streams come from this one address.
                settings.http.max_sse_per_client = settings.http.max_sse;
                if trust_local_proxy {
                    settings.http.trusted_proxies = vec![std::net::Ipv4Addr::LOCALHOST.into()];
                }
                let app = Application::build(settings, Arc::new(SystemClock)).await?;
                println!("listening on http://127.0.0.1:{}", app.port());
                println!("recovered {} showtimes", app.recovered_showtimes);
                println!("ready");
                app.run_until_stopped().await?;
            }
            Engine::DirectSqlite => {
                let (port, server) = super::direct::start(&db)?;
                println!("listening on http://127.0.0.1:{port}");
                println!("ready");
                server.await?;
            }
        }
        Ok(())
    })
}
