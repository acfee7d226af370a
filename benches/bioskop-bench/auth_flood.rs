//! The `auth-flood` scenario (issue 17): a thousand sign-ups and sign-ins at
//! once, each from its own address (the load generator is the server's
//! trusted proxy and names a distinct `X-Forwarded-For` per flood client, so
//! the per-address sign-up limit is not what is measured), while other
//! customers browse and hold seats. It measures the server process's peak
//! resident memory, the answers by status, and the browsing clients' p99
//! without and with the flood. Any 5xx other than 503 `overloaded`, or a
//! request left unanswered, fails the run.

use std::{
    collections::BTreeMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use rand::RngExt;
use serde_json::{Value, json};
use tokio::sync::Barrier;

use super::{
    fixture,
    load::{Latencies, Zipf, client, send, send_unparsed},
    report::{Report, fmt},
    scenarios::connect_all,
    server::{Engine, ServerProcess},
};

pub struct Options {
    pub clients: usize,
    pub browsers: usize,
    pub seconds: u64,
    pub retries: usize,
}

/// The target of the issue: the flood must not blow up the server's memory.
const PEAK_TARGET_MB: f64 = 300.0;

/// One browsing request: when it started (from the run's epoch), how long it
/// took, and whether its answer was one a browsing customer expects.
struct Sample {
    start: Duration,
    took: Duration,
    expected: bool,
}

/// What the browsing customers need to know.
struct Browse {
    base: String,
    tokens: Vec<String>,
    showtimes: Vec<i64>,
    seats: Vec<String>,
    cinemas: Vec<i64>,
    date: String,
    zipf: Zipf,
}

/// Browsing customers until `stop`: 50% seat maps (Zipf over the showtimes),
/// 20% a cinema's showtimes of a day, 30% holds of one seat, each released
/// by the same customer's next hold turn.
async fn browse(
    http: &reqwest::Client,
    what: &Arc<Browse>,
    epoch: Instant,
    stop: &Arc<AtomicBool>,
) -> Vec<Sample> {
    let tasks: Vec<_> = what
        .tokens
        .iter()
        .cloned()
        .map(|token| {
            let (http, what, stop) = (http.clone(), what.clone(), stop.clone());
            tokio::spawn(async move {
                let mut samples = Vec::new();
                let mut open: Option<String> = None;
                let base = &what.base;
                while !stop.load(Ordering::Relaxed) {
                    let (roll, pick, seat, cinema) = {
                        let mut rng = rand::rng();
                        (
                            rng.random::<f64>(),
                            rng.random::<f64>(),
                            rng.random_range(0..what.seats.len()),
                            rng.random_range(0..what.cinemas.len()),
                        )
                    };
                    let showtime = what.showtimes[what.zipf.sample(pick)];
                    let started = Instant::now();
                    let (answer, expected): (_, &[u16]) = if roll < 0.5 {
                        let url = format!("{base}/api/v1/showtimes/{showtime}/seats");
                        (send_unparsed(http.get(url)).await, &[200])
                    } else if roll < 0.7 {
                        let url = format!(
                            "{base}/api/v1/cinemas/{}/showtimes?date={}",
                            what.cinemas[cinema], what.date
                        );
                        (send_unparsed(http.get(url)).await, &[200])
                    } else if let Some(booking) = open.take() {
                        let url = format!("{base}/api/v1/bookings/{booking}");
                        (send(http.delete(url).bearer_auth(&token)).await, &[204])
                    } else {
                        let answer = send(
                            http.post(format!("{base}/api/v1/bookings"))
                                .bearer_auth(&token)
                                .json(
                                    &json!({"showtime_id": showtime, "seats": [what.seats[seat]]}),
                                ),
                        )
                        .await;
                        if answer.status == 201 {
                            open = answer.body["id"].as_str().map(String::from);
                        }
                        (answer, &[201, 409])
                    };
                    samples.push(Sample {
                        start: started.duration_since(epoch),
                        took: answer.took,
                        expected: expected.contains(&answer.status),
                    });
                }
                if let Some(booking) = open {
                    send(
                        http.delete(format!("{base}/api/v1/bookings/{booking}"))
                            .bearer_auth(&token),
                    )
                    .await;
                }
                samples
            })
        })
        .collect();
    let mut samples = Vec::new();
    for task in tasks {
        if let Ok(mut mine) = task.await {
            samples.append(&mut mine);
        }
    }
    samples
}

/// Answers of the flood, by step and by what came back.
#[derive(Default)]
struct Tally {
    /// (step, status, problem code) → answers.
    answers: BTreeMap<(String, u16, String), u64>,
}

impl Tally {
    fn count(&self, pick: impl Fn(&str, u16, &str) -> bool) -> u64 {
        self.answers
            .iter()
            .filter(|((step, status, code), _)| pick(step, *status, code))
            .map(|(_, n)| n)
            .sum()
    }
}

/// Sends one step of a flood client, again after 503 `overloaded` up to
/// `retries` times (after the `Retry-After` it was given, with a little
/// jitter so retries do not arrive as one burst); every answer is tallied.
async fn step(
    request: impl Fn() -> reqwest::RequestBuilder,
    name: &str,
    retries: usize,
    tally: &Mutex<Tally>,
) -> u16 {
    let mut tries = 0;
    loop {
        let answer = send(request()).await;
        let code = answer.body["code"].as_str().unwrap_or_default().to_string();
        if let Ok(mut tally) = tally.lock() {
            *tally
                .answers
                .entry((name.to_string(), answer.status, code.clone()))
                .or_default() += 1;
        }
        if answer.status != 503 || code != "overloaded" || tries >= retries {
            return answer.status;
        }
        tries += 1;
        let wait = answer.body["retry_after"]
            .as_u64()
            .unwrap_or(1)
            .clamp(1, 10)
            * 1000
            + rand::rng().random_range(0..1000);
        tokio::time::sleep(Duration::from_millis(wait)).await;
    }
}

/// Samples the server's resident memory (`VmRSS`) every 50 ms until told to
/// stop; answers the largest sample, in bytes.
fn sample_memory(pid: u32, stop: Arc<AtomicBool>, max: Arc<AtomicU64>) {
    let pid = pid.to_string();
    while !stop.load(Ordering::Relaxed) {
        max.fetch_max(bioskop::process::resident_bytes(&pid), Ordering::Relaxed);
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

pub async fn auth_flood(options: Options) -> anyhow::Result<Report> {
    let mut report = Report::new("auth-flood");
    let fixture = fixture::prepare(options.browsers)?;
    let mut conn = fixture.connect()?;
    let showtimes = fixture::big_showtimes(&mut conn, 100)?;
    let seats = fixture::seat_ids(&conn, showtimes[0])?;
    let cinemas: Vec<i64> = conn
        .prepare("SELECT id FROM cinemas ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    anyhow::ensure!(!cinemas.is_empty(), "the demo catalog has no cinema");
    drop(conn);
    report.set("clients", json!(options.clients));
    report.set("browsers", json!(options.browsers));
    report.set("seconds", json!(options.seconds));
    report.set("retries", json!(options.retries));

    let server = ServerProcess::spawn_with(
        Engine::Actors,
        fixture.dir.path(),
        "0 * * * * *",
        &["--trust-local-proxy"],
    )?;
    let base = server.base.clone();
    let browsing = client(options.browsers);
    let flooding = client(options.clients);
    connect_all(&browsing, &base, options.browsers).await;
    // The proxy's connections, open before the flood as a proxy's pool is.
    connect_all(&flooding, &base, options.clients).await;
    let resident_at_start = server.resident_bytes();
    let (sampling, max_sampled) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicU64::new(0)),
    );
    let sampler = {
        let (pid, stop, max) = (server.pid(), sampling.clone(), max_sampled.clone());
        std::thread::spawn(move || sample_memory(pid, stop, max))
    };
    let what = Arc::new(Browse {
        base: base.clone(),
        tokens: fixture.tokens.clone(),
        showtimes: showtimes.clone(),
        seats,
        cinemas,
        date: (chrono::Utc::now() + chrono::Duration::days(1))
            .date_naive()
            .to_string(),
        zipf: Zipf::new(showtimes.len(), 1.0),
    });
    let epoch = Instant::now();
    // The first second of each phase warms up (actors load on first use).
    let warm_up = Duration::from_secs(1);

    // (a) Browsing alone.
    let stop = Arc::new(AtomicBool::new(false));
    let baseline_run = {
        let (http, what, stop) = (browsing.clone(), what.clone(), stop.clone());
        tokio::spawn(async move { browse(&http, &what, epoch, &stop).await })
    };
    tokio::time::sleep(Duration::from_secs(options.seconds) + warm_up).await;
    stop.store(true, Ordering::Relaxed);
    let baseline_samples = baseline_run.await?;
    let resident_before_flood = server.resident_bytes();

    // (b) The same browsing, and the flood a second after it starts.
    let stop = Arc::new(AtomicBool::new(false));
    let phase_b = Instant::now();
    let flood_run = {
        let (http, what, stop) = (browsing.clone(), what.clone(), stop.clone());
        tokio::spawn(async move { browse(&http, &what, epoch, &stop).await })
    };
    tokio::time::sleep(warm_up).await;
    let run = hex::encode(rand::random::<[u8; 4]>());
    let tally = Arc::new(Mutex::new(Tally::default()));
    let barrier = Arc::new(Barrier::new(options.clients));
    let flood_start = epoch.elapsed();
    let flood: Vec<_> = (0..options.clients)
        .map(|i| {
            let (http, base, tally, barrier) = (
                flooding.clone(),
                base.clone(),
                tally.clone(),
                barrier.clone(),
            );
            let retries = options.retries;
            let email = format!("flood-{run}-{i}@example.com");
            let password = format!("flood-password-{i}");
            // Distinct per client: 10.0.0.1, 10.0.0.2, ...
            let n = i + 1;
            let address = format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255);
            tokio::spawn(async move {
                let post = |path: &str, body: Value| {
                    let (http, url, address) = (
                        http.clone(),
                        format!("{base}/api/v1/auth/{path}"),
                        address.clone(),
                    );
                    move || {
                        http.post(&url)
                            .header("x-forwarded-for", &address)
                            .json(&body)
                    }
                };
                barrier.wait().await;
                let registered = step(
                    post(
                        "register",
                        json!({"email": email, "password": password, "name": format!("Flood {i}")}),
                    ),
                    "register",
                    retries,
                    &tally,
                )
                .await;
                if registered != 201 {
                    return;
                }
                // One in four first mistypes the password.
                if i % 4 == 0 {
                    step(
                        post(
                            "login",
                            json!({"email": email, "password": "wrong-password"}),
                        ),
                        "bad login",
                        retries,
                        &tally,
                    )
                    .await;
                }
                step(
                    post("login", json!({"email": email, "password": password})),
                    "login",
                    retries,
                    &tally,
                )
                .await;
            })
        })
        .collect();
    for task in flood {
        task.await?;
    }
    let flood_end = epoch.elapsed();
    let resident_after_flood = server.resident_bytes();
    let least = Duration::from_secs(options.seconds) + warm_up;
    tokio::time::sleep(least.saturating_sub(phase_b.elapsed())).await;
    stop.store(true, Ordering::Relaxed);
    let flood_samples = flood_run.await?;
    sampling.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    let peak = server.peak_resident_bytes();
    let sampled = max_sampled.load(Ordering::Relaxed);
    let resident_at_end = server.resident_bytes();

    let conn = fixture.connect()?;
    let stored: i64 = conn.query_row(
        "SELECT COUNT(*) FROM users WHERE email LIKE ?1",
        [format!("flood-{run}-%")],
        |r| r.get(0),
    )?;
    drop(server);

    // Browsing figures: without the flood (phase a after its warm-up), and
    // requests that started while the flood was being answered.
    let (mut without, mut during) = (Latencies::new(), Latencies::new());
    let mut unexpected = 0u64;
    for sample in &baseline_samples {
        if sample.start >= warm_up {
            without.record(sample.took);
        }
        unexpected += u64::from(!sample.expected);
    }
    for sample in &flood_samples {
        if sample.start >= flood_start && sample.start <= flood_end {
            during.record(sample.took);
        }
        unexpected += u64::from(!sample.expected);
    }
    let tally = match Arc::try_unwrap(tally) {
        Ok(tally) => tally.into_inner().unwrap_or_default(),
        Err(shared) => std::mem::take(&mut *shared.lock().unwrap()),
    };
    let registered = tally.count(|s, status, _| s == "register" && status == 201);
    let logged_in = tally.count(|s, status, _| s == "login" && status == 200);
    let refused_logins = tally.count(|s, status, _| s == "bad login" && status == 401);
    let throttled = tally.count(|_, status, _| status == 429);
    let overloaded = tally.count(|_, status, code| status == 503 && code == "overloaded");
    let other_5xx =
        tally.count(|_, status, code| status >= 500 && !(status == 503 && code == "overloaded"));
    let unanswered = tally.count(|_, status, _| status == 0);
    let answers = tally.count(|_, _, _| true);
    let other = answers
        - registered
        - logged_in
        - refused_logins
        - throttled
        - overloaded
        - other_5xx
        - unanswered;

    let peak_mb = mb(peak);
    report.actors("flood clients", options.clients.to_string(), "", None);
    report.actors("flood requests answered", answers.to_string(), "", None);
    report.actors("  201 registered", registered.to_string(), "", None);
    report.actors("  200 signed in", logged_in.to_string(), "", None);
    report.actors("  401 wrong password", refused_logins.to_string(), "", None);
    report.actors("  429", throttled.to_string(), "", None);
    report.actors("  503 overloaded", overloaded.to_string(), "", None);
    report.actors(
        "  other 5xx",
        other_5xx.to_string(),
        "0",
        Some(other_5xx == 0),
    );
    report.actors(
        "  unanswered",
        unanswered.to_string(),
        "0",
        Some(unanswered == 0),
    );
    report.actors("  other answers", other.to_string(), "", None);
    report.actors(
        "flood answered in (s)",
        fmt((flood_end - flood_start).as_secs_f64()),
        "",
        None,
    );
    report.actors(
        "accounts stored / 201s",
        format!("{stored}/{registered}"),
        "equal",
        Some(stored as u64 == registered),
    );
    report.actors(
        "resident before / after flood (MB)",
        format!(
            "{} / {}",
            fmt(mb(resident_before_flood)),
            fmt(mb(resident_after_flood))
        ),
        "",
        None,
    );
    report.actors(
        "peak resident, VmHWM (MB)",
        fmt(peak_mb),
        "< 300 MB",
        Some(peak_mb < PEAK_TARGET_MB),
    );
    report.actors(
        "max VmRSS sampled every 50 ms (MB)",
        fmt(mb(sampled)),
        "",
        None,
    );
    report.actors(
        "browsing requests without / during",
        format!("{} / {}", without.count(), during.count()),
        "",
        None,
    );
    report.actors(
        "browsing p99 without flood (ms)",
        fmt(without.ms(0.99)),
        "",
        None,
    );
    report.actors(
        "browsing p99 during flood (ms)",
        fmt(during.ms(0.99)),
        "",
        None,
    );
    let ratio = during.p99_ratio(&without);
    report.actors("p99 during / without", fmt(ratio), "", None);
    report.actors(
        "browsing answers not 2xx/409",
        unexpected.to_string(),
        "0",
        Some(unexpected == 0),
    );

    if other_5xx > 0 {
        report.fail(format!(
            "{other_5xx} flood answers were 5xx other than 503 overloaded"
        ));
    }
    if unanswered > 0 {
        report.fail(format!("{unanswered} flood requests got no answer"));
    }
    if stored as u64 != registered {
        report.fail(format!(
            "{registered} sign-ups answered 201 but {stored} accounts stored"
        ));
    }
    if unexpected > 0 {
        report.fail(format!(
            "{unexpected} browsing requests got an unexpected answer"
        ));
    }
    let by_status: Vec<Value> = tally
        .answers
        .iter()
        .map(|((step, status, code), n)| json!({"step": step, "status": status, "code": code, "count": n}))
        .collect();
    report.set(
        "actors",
        json!({
            "answers": answers, "registered_201": registered, "signed_in_200": logged_in,
            "wrong_password_401": refused_logins, "throttled_429": throttled,
            "overloaded_503": overloaded, "other_5xx": other_5xx, "unanswered": unanswered,
            "other": other, "by_status": by_status, "accounts_stored": stored,
            "flood_seconds": (flood_end - flood_start).as_secs_f64(),
            "resident_at_start_mb": mb(resident_at_start),
            "resident_before_flood_mb": mb(resident_before_flood),
            "resident_after_flood_mb": mb(resident_after_flood),
            "resident_at_end_mb": mb(resident_at_end),
            "peak_resident_vmhwm_mb": peak_mb, "max_sampled_vmrss_mb": mb(sampled),
            "browsing_without": {"count": without.count(), "p50_ms": without.ms(0.5), "p99_ms": without.ms(0.99)},
            "browsing_during": {"count": during.count(), "p50_ms": during.ms(0.5), "p99_ms": during.ms(0.99)},
            "p99_ratio": ratio, "browsing_unexpected": unexpected,
        }),
    );
    Ok(report)
}
