//! The four scenarios. Each prepares its data, starts the engines one after
//! another against the same load generator, checks correctness from the
//! database and fills a [`Report`].

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use rand::RngExt;
use serde_json::json;
use tokio::sync::Barrier;

use super::{
    fixture::{self, Fixture},
    load::{Latencies, Zipf, client, send, send_unparsed},
    report::{Report, fmt},
    server::{Engine, ServerProcess},
};

/// Opens one keep-alive connection per client before the clock starts.
pub async fn connect_all(http: &reqwest::Client, base: &str, clients: usize) {
    let barrier = Arc::new(Barrier::new(clients));
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let http = http.clone();
            let url = format!("{base}/healthz");
            let barrier = barrier.clone();
            tokio::spawn(async move {
                // All at once, so each client holds its own connection.
                barrier.wait().await;
                send(http.get(url)).await
            })
        })
        .collect();
    for task in tasks {
        let _ = task.await;
    }
}

// ------------------------------------------------------------ flash sale

pub struct FlashOptions {
    pub clients: usize,
    pub rounds: usize,
    pub engines: Vec<Engine>,
    /// The no-lone-seat rule on, and clients that ask for adjacent pairs.
    pub pairs: bool,
}

#[derive(Default)]
struct FlashFigures {
    holds: u64,
    errors: u64,
    elapsed: Duration,
    winners: usize,
    houses: usize,
    seats_held: usize,
    /// With adjacent pairs: free pairs side by side left at the end (none:
    /// every seat left is one no pair can take).
    pairs_left: Option<usize>,
    house: usize,
    double_owners: usize,
    latencies: Latencies,
    /// Requests per client per round, so the ceiling gets the same bursts.
    shapes: Vec<Vec<u64>>,
}

impl FlashFigures {
    /// Adds one round; answers who claimed each seat (seat → winning bookings).
    fn add_round(
        &mut self,
        runs: &[ClientRun],
        elapsed: Duration,
        house_seats: usize,
    ) -> HashMap<String, Vec<String>> {
        self.elapsed += elapsed;
        self.houses += 1;
        self.house += house_seats;
        self.shapes.push(runs.iter().map(|r| r.requests).collect());
        let mut claimed: HashMap<String, Vec<String>> = HashMap::new();
        for run in runs {
            self.holds += run.requests;
            self.errors += run.errors;
            self.latencies.merge(&run.latencies);
            if let Some((booking, won)) = &run.won {
                self.winners += 1;
                for seat in won {
                    claimed
                        .entry(seat.clone())
                        .or_default()
                        .push(booking.clone());
                }
            }
        }
        claimed
    }
}

/// The machine's HTTP ceiling: the same clients sending the same number of
/// requests in the same bursts, to a trivial endpoint of the same server.
async fn measure_ceiling(http: &reqwest::Client, base: &str, shapes: &[Vec<u64>]) -> Ceiling {
    let (mut sent, mut took, mut latencies) = (0u64, Duration::ZERO, Latencies::new());
    for shape in shapes {
        let (requests, elapsed, burst) = burst_of_trivial_requests(http, base, shape).await;
        sent += requests;
        took += elapsed;
        latencies.merge(&burst);
    }
    Ceiling {
        requests_per_sec: sent as f64 / took.as_secs_f64().max(1e-9),
        latencies,
    }
}

struct ClientRun {
    latencies: Latencies,
    won: Option<(String, Vec<String>)>,
    requests: u64,
    errors: u64,
    started: Instant,
    finished: Instant,
}

/// How the clients of a flash sale pick their two seats.
#[derive(Clone)]
enum Picking {
    /// Any two seats they believe free.
    AnyTwo,
    /// Two seats side by side (the right neighbour of each seat by index,
    /// see `fixture::right_neighbours`); refused by the no-lone-seat rule,
    /// the first alternative the server offers next.
    AdjacentPairs(Arc<Vec<Option<usize>>>),
}

async fn flash_round(
    http: &reqwest::Client,
    base: &str,
    tokens: &[String],
    showtime: i64,
    seats: &[String],
    picking: Picking,
) -> (Vec<ClientRun>, Duration) {
    // What every client has learnt so far, shared: a real crowd sees the live
    // seat map, and it keeps futile requests bounded.
    let taken = Arc::new(Mutex::new(vec![false; seats.len()]));
    let index: Arc<HashMap<String, usize>> = Arc::new(
        seats
            .iter()
            .enumerate()
            .map(|(i, s)| (s.clone(), i))
            .collect(),
    );
    let barrier = Arc::new(Barrier::new(tokens.len()));
    let seats = Arc::new(seats.to_vec());
    let tasks: Vec<_> = tokens
        .iter()
        .map(|token| {
            let (http, base, token) = (http.clone(), base.to_string(), token.clone());
            let (taken, barrier, seats, index) =
                (taken.clone(), barrier.clone(), seats.clone(), index.clone());
            let picking = picking.clone();
            tokio::spawn(async move {
                // The server's alternative after a `single_seat_gap`.
                let mut offered: Option<Vec<String>> = None;
                let mut refusals = 0;
                barrier.wait().await;
                let started = Instant::now();
                let mut run = ClientRun {
                    latencies: Latencies::new(),
                    won: None,
                    requests: 0,
                    errors: 0,
                    started,
                    finished: started,
                };
                loop {
                    let want: Vec<String> = match (&picking, offered.take()) {
                        (_, Some(alternative)) => alternative,
                        (Picking::AnyTwo, None) => {
                            let mut free: Vec<usize> = match taken.lock() {
                                Ok(known) => (0..known.len()).filter(|&i| !known[i]).collect(),
                                Err(_) => Vec::new(),
                            };
                            let mut rng = rand::rng();
                            let mut want = Vec::with_capacity(2);
                            while want.len() < 2 && !free.is_empty() {
                                let pick = rng.random_range(0..free.len());
                                want.push(seats[free.swap_remove(pick)].clone());
                            }
                            want
                        }
                        (Picking::AdjacentPairs(right), None) => {
                            let pairs: Vec<(usize, usize)> = match taken.lock() {
                                Ok(known) => (0..known.len())
                                    .filter_map(|i| {
                                        let j = right.get(i).copied().flatten()?;
                                        (!known[i] && !known[j]).then_some((i, j))
                                    })
                                    .collect(),
                                Err(_) => Vec::new(),
                            };
                            if pairs.is_empty() || refusals > 50 {
                                Vec::new()
                            } else {
                                let (i, j) = pairs[rand::rng().random_range(0..pairs.len())];
                                vec![seats[i].clone(), seats[j].clone()]
                            }
                        }
                    };
                    if want.is_empty() {
                        break;
                    }
                    let answer = send(
                        http.post(format!("{base}/api/v1/bookings"))
                            .bearer_auth(&token)
                            .json(&json!({"showtime_id": showtime, "seats": want})),
                    )
                    .await;
                    run.requests += 1;
                    run.latencies.record(answer.took);
                    match answer.status {
                        201 => {
                            if let Ok(mut known) = taken.lock() {
                                for seat in &want {
                                    if let Some(&i) = index.get(seat) {
                                        known[i] = true;
                                    }
                                }
                            }
                            let id = answer.body["id"].as_str().unwrap_or_default().to_string();
                            run.won = Some((id, want));
                            break;
                        }
                        409 if answer.body["code"] == "single_seat_gap" => {
                            refusals += 1;
                            offered = answer.body["alternatives"]
                                .as_array()
                                .and_then(|sets| sets.first())
                                .and_then(|set| set.as_array())
                                .map(|set| {
                                    set.iter()
                                        .filter_map(|s| s.as_str().map(str::to_string))
                                        .collect()
                                });
                        }
                        409 if answer.body["code"] == "seat_unavailable" => {
                            if let (Some(named), Ok(mut known)) =
                                (answer.body["seats"].as_array(), taken.lock())
                            {
                                for seat in named.iter().filter_map(|s| s.as_str()) {
                                    if let Some(&i) = index.get(seat) {
                                        known[i] = true;
                                    }
                                }
                            }
                        }
                        _ => {
                            run.errors += 1;
                            if run.errors > 20 {
                                break;
                            }
                        }
                    }
                }
                run.finished = Instant::now();
                run
            })
        })
        .collect();
    let mut runs = Vec::with_capacity(tasks.len());
    for task in tasks {
        if let Ok(run) = task.await {
            runs.push(run);
        }
    }
    let first = runs.iter().map(|r| r.started).min();
    let last = runs.iter().map(|r| r.finished).max();
    let elapsed = match (first, last) {
        (Some(first), Some(last)) => last.duration_since(first),
        _ => Duration::ZERO,
    };
    (runs, elapsed)
}

/// Each client sends its count of `GET /healthz`, all starting together.
async fn burst_of_trivial_requests(
    http: &reqwest::Client,
    base: &str,
    shape: &[u64],
) -> (u64, Duration, Latencies) {
    let barrier = Arc::new(Barrier::new(shape.len()));
    let tasks: Vec<_> = shape
        .iter()
        .map(|&count| {
            let (http, url, barrier) = (http.clone(), format!("{base}/healthz"), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let started = Instant::now();
                let mut latencies = Latencies::new();
                for _ in 0..count {
                    latencies.record(send_unparsed(http.get(&url)).await.took);
                }
                (started, Instant::now(), latencies)
            })
        })
        .collect();
    let mut spans = Vec::new();
    let mut latencies = Latencies::new();
    for task in tasks {
        if let Ok((started, finished, mine)) = task.await {
            spans.push((started, finished));
            latencies.merge(&mine);
        }
    }
    let first = spans.iter().map(|s| s.0).min();
    let last = spans.iter().map(|s| s.1).max();
    let elapsed = match (first, last) {
        (Some(first), Some(last)) => last.duration_since(first),
        _ => Duration::ZERO,
    };
    (shape.iter().sum(), elapsed, latencies)
}

/// Owners of each seat from the database: (seat → owning bookings).
fn stored_owners(
    fixture: &Fixture,
    engine: Engine,
    showtime: i64,
) -> anyhow::Result<(HashMap<String, String>, usize)> {
    let conn = fixture.connect()?;
    let (owners_sql, doubles_sql) = match engine {
        Engine::Actors => (
            "SELECT seat_id, booking_id FROM seat_occupancy WHERE showtime_id = ?1",
            // Independent of the primary key: seats that two live bookings list.
            "SELECT COUNT(*) FROM (SELECT bs.seat_id FROM booking_seats bs JOIN bookings b ON b.id = bs.booking_id
              WHERE b.showtime_id = ?1 AND b.status IN ('held', 'awaiting_payment', 'paid')
              GROUP BY bs.seat_id HAVING COUNT(*) > 1)",
        ),
        Engine::DirectSqlite => (
            "SELECT seat_id, booking_id FROM bench_seats WHERE showtime_id = ?1 AND status = 'locked'",
            "SELECT COUNT(*) FROM (SELECT seat_id FROM bench_seats WHERE showtime_id = ?1 AND status = 'locked'
              AND booking_id NOT IN (SELECT id FROM bench_bookings))",
        ),
    };
    let mut stmt = conn.prepare(owners_sql)?;
    let owners = stmt
        .query_map([showtime], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<Result<HashMap<_, _>, _>>()?;
    let doubles: i64 = conn.query_row(doubles_sql, [showtime], |r| r.get(0))?;
    Ok((owners, doubles as usize))
}

async fn flash_engine(
    fixture: &Fixture,
    engine: Engine,
    options: &FlashOptions,
    showtimes: &[i64],
    seats: &[String],
) -> anyhow::Result<(FlashFigures, Option<Ceiling>)> {
    let rule: &[&str] = if options.pairs {
        &["--no-single-gap"]
    } else {
        &[]
    };
    let server = ServerProcess::spawn_with(engine, fixture.dir.path(), "0 * * * * *", rule)?;
    let http = client(options.clients);
    connect_all(&http, &server.base, options.clients).await;
    let mut figures = FlashFigures::default();
    let picking = if options.pairs {
        let conn = fixture.connect()?;
        Picking::AdjacentPairs(Arc::new(fixture::right_neighbours(&conn, showtimes[0])?))
    } else {
        Picking::AnyTwo
    };
    for &showtime in showtimes {
        let (runs, elapsed) = flash_round(
            &http,
            &server.base,
            &fixture.tokens[..options.clients],
            showtime,
            seats,
            picking.clone(),
        )
        .await;
        let claimed = figures.add_round(&runs, elapsed, seats.len());
        let (owners, stored_doubles) = stored_owners(fixture, engine, showtime)?;
        figures.seats_held += owners.len();
        if let Picking::AdjacentPairs(right) = &picking {
            let free = |i: usize| seats.get(i).is_some_and(|id| !owners.contains_key(id));
            let left = (0..seats.len())
                .filter(|&i| free(i) && right.get(i).copied().flatten().is_some_and(free))
                .count();
            *figures.pairs_left.get_or_insert(0) += left;
        }
        figures.double_owners += stored_doubles;
        for (seat, bookings) in &claimed {
            // Two winners for one seat, or a winner the database does not know.
            if bookings.len() > 1 || owners.get(seat) != Some(&bookings[0]) {
                figures.double_owners += 1;
            }
        }
    }
    let ceiling = match engine {
        Engine::Actors => Some(measure_ceiling(&http, &server.base, &figures.shapes).await),
        Engine::DirectSqlite => None,
    };
    Ok((figures, ceiling))
}

/// The trivial endpoint under the same bursts.
struct Ceiling {
    requests_per_sec: f64,
    latencies: Latencies,
}

pub async fn flash_sale(options: FlashOptions) -> anyhow::Result<Report> {
    let mut report = Report::new(if options.pairs {
        "flash-sale, no lone seats, adjacent pairs"
    } else {
        "flash-sale"
    });
    let fixture = fixture::prepare(options.clients)?;
    let mut conn = fixture.connect()?;
    let showtimes = fixture::big_showtimes(&mut conn, options.rounds * options.engines.len())?;
    fixture::direct_tables(&mut conn, &showtimes)?;
    let seats = fixture::seat_ids(&conn, showtimes[0])?;
    drop(conn);
    report.set("clients", json!(options.clients));
    report.set("rounds", json!(options.rounds));
    report.set("house_seats", json!(seats.len()));
    report.set("synchronous", json!("full"));

    let mut results: Vec<(Engine, FlashFigures)> = Vec::new();
    let mut ceiling = None;
    for (i, engine) in options.engines.iter().enumerate() {
        let mine = &showtimes[i * options.rounds..(i + 1) * options.rounds];
        let (figures, engine_ceiling) =
            flash_engine(&fixture, *engine, &options, mine, &seats).await?;
        ceiling = ceiling.or(engine_ceiling);
        results.push((*engine, figures));
    }
    flash_report(&mut report, results, ceiling, "from the database");
    Ok(report)
}

/// The flash sale against a server that is already running (`--url`): the
/// clients register through the API, the houses are free 300-seat showtimes
/// found through the API, and seats held are read from the seat map. Double
/// owners are checked from the answers (the database is not at hand).
pub async fn flash_sale_remote(base: &str, options: FlashOptions) -> anyhow::Result<Report> {
    let mut report = Report::new("flash-sale");
    let base = base.trim_end_matches('/').to_string();
    let http = client(options.clients);
    let run = hex::encode(rand::random::<[u8; 4]>());
    let mut tokens = Vec::with_capacity(options.clients);
    for chunk in (0..options.clients).collect::<Vec<_>>().chunks(50) {
        let registered = futures_util::future::join_all(chunk.iter().map(|i| {
            let (http, base, run) = (&http, &base, &run);
            async move {
                // Sign-ups are hashed a few at a time: a busy server says
                // 503 `overloaded` with when to come back.
                let mut tries = 0;
                loop {
                    let answer = send(http.post(format!("{base}/api/v1/auth/register")).json(
                        &json!({
                            "email": format!("bench-{run}-{i}@example.com"),
                            "password": "bench-password-1",
                            "name": format!("Bench {i}"),
                        }),
                    ))
                    .await;
                    tries += 1;
                    if answer.status != 503 || tries >= 20 {
                        return answer;
                    }
                    let wait = answer.body["retry_after"].as_u64().unwrap_or(1).clamp(1, 5);
                    tokio::time::sleep(Duration::from_secs(wait)).await;
                }
            }
        }))
        .await;
        for answer in registered {
            anyhow::ensure!(
                answer.body["code"] != "too_many_signups",
                "the server limits sign-ups per address: start it with \
                 BIOSKOP__ACCOUNTS__MAX_SIGNUPS_PER_IP=0 (see the README)"
            );
            anyhow::ensure!(
                answer.status == 201,
                "registering a client failed: {}",
                answer.body
            );
            tokens.push(
                answer.body["token"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            );
        }
    }
    let houses = free_houses(&http, &base, options.rounds).await?;
    anyhow::ensure!(
        houses.len() == options.rounds,
        "found {} free 300-seat showtimes, need {}",
        houses.len(),
        options.rounds
    );
    connect_all(&http, &base, options.clients).await;
    let mut figures = FlashFigures::default();
    for (showtime, seats) in &houses {
        let (runs, elapsed) =
            flash_round(&http, &base, &tokens, *showtime, seats, Picking::AnyTwo).await;
        let claimed = figures.add_round(&runs, elapsed, seats.len());
        figures.double_owners += claimed.values().filter(|b| b.len() > 1).count();
        let map = send(http.get(format!("{base}/api/v1/showtimes/{showtime}/seats"))).await;
        figures.seats_held += map.body["seats"].as_array().map_or(0, |s| {
            s.iter().filter(|x| x["status"] != "available").count()
        });
    }
    let ceiling = Some(measure_ceiling(&http, &base, &figures.shapes).await);
    report.set("url", json!(base));
    report.set("clients", json!(options.clients));
    report.set("rounds", json!(options.rounds));
    report.set("double_owners_from", json!("answers"));
    flash_report(
        &mut report,
        vec![(Engine::Actors, figures)],
        ceiling,
        "from answers and seat map",
    );
    Ok(report)
}

/// Scheduled showtimes with 300 seats, all free, in the coming week.
async fn free_houses(
    http: &reqwest::Client,
    base: &str,
    wanted: usize,
) -> anyhow::Result<Vec<(i64, Vec<String>)>> {
    let mut houses = Vec::new();
    let cinemas = send(http.get(format!("{base}/api/v1/cinemas"))).await.body;
    for cinema in cinemas.as_array().cloned().unwrap_or_default() {
        for day in 1..=7 {
            let date = (chrono::Utc::now() + chrono::Duration::days(day)).date_naive();
            let listed = send(http.get(format!(
                "{base}/api/v1/cinemas/{}/showtimes?date={date}",
                cinema["id"]
            )))
            .await
            .body;
            for showtime in listed.as_array().cloned().unwrap_or_default() {
                if houses.len() == wanted {
                    return Ok(houses);
                }
                if showtime["seats_total"] == 300
                    && showtime["seats_available"] == 300
                    && showtime["status"] == "scheduled"
                {
                    let id = showtime["id"].as_i64().unwrap_or_default();
                    let map = send(http.get(format!("{base}/api/v1/showtimes/{id}/seats")))
                        .await
                        .body;
                    let seats = map["seats"]
                        .as_array()
                        .map(|s| {
                            s.iter()
                                .filter_map(|x| x["id"].as_str().map(String::from))
                                .collect()
                        })
                        .unwrap_or_default();
                    houses.push((id, seats));
                }
            }
        }
    }
    Ok(houses)
}

/// `checked` says where double owners were counted from.
fn flash_report(
    report: &mut Report,
    results: Vec<(Engine, FlashFigures)>,
    ceiling: Option<Ceiling>,
    checked: &str,
) {
    let rps = |f: &FlashFigures| f.holds as f64 / f.elapsed.as_secs_f64().max(1e-9);
    let column = |f: &dyn Fn(&FlashFigures) -> String| -> Vec<(&str, String)> {
        results
            .iter()
            .map(|(e, figures)| (e.name(), f(figures)))
            .collect()
    };
    let actors = results
        .iter()
        .find(|(e, _)| *e == Engine::Actors)
        .map(|(_, f)| f);
    let direct = results
        .iter()
        .find(|(e, _)| *e == Engine::DirectSqlite)
        .map(|(_, f)| f);
    let with_ceiling = |mut values: Vec<(&'static str, String)>,
                        figure: &dyn Fn(&Ceiling) -> String| {
        if let Some(c) = &ceiling {
            values.push(("ceiling", figure(c)));
        }
        values
    };
    report.line(
        "hold requests/s",
        with_ceiling(column(&|f| fmt(rps(f))), &|c| fmt(c.requests_per_sec)),
        "",
        None,
    );
    let p = |q: f64| move |f: &FlashFigures| fmt(f.latencies.ms(q));
    let pc = |q: f64| move |c: &Ceiling| fmt(c.latencies.ms(q));
    report.line(
        "hold latency p50 (ms)",
        with_ceiling(column(&p(0.5)), &pc(0.5)),
        "",
        None,
    );
    report.line(
        "hold latency p99 (ms)",
        with_ceiling(column(&p(0.99)), &pc(0.99)),
        "actors <= 25 ms",
        actors.map(|f| f.latencies.ms(0.99) <= 25.0),
    );
    report.line(
        "hold latency p99.9 (ms)",
        with_ceiling(column(&p(0.999)), &pc(0.999)),
        "",
        None,
    );
    report.line(
        "time to sell out a house (ms)",
        column(&|f| fmt(f.elapsed.as_secs_f64() * 1000.0 / f.houses.max(1) as f64)),
        "",
        None,
    );
    report.line("hold requests", column(&|f| f.holds.to_string()), "", None);
    report.line(
        "errors (not 201/409)",
        column(&|f| f.errors.to_string()),
        "0",
        Some(results.iter().all(|(_, f)| f.errors == 0)),
    );
    report.line("winners", column(&|f| f.winners.to_string()), "", None);
    let full = |f: &FlashFigures| match f.pairs_left {
        // Clients of pairs cannot take a seat alone: full is no pair left.
        Some(left) => left == 0,
        None => f.seats_held == f.house,
    };
    report.line(
        "seats held at the end",
        column(&|f| format!("{}/{}", f.seats_held, f.house)),
        if results.iter().any(|(_, f)| f.pairs_left.is_some()) {
            "no adjacent pair left"
        } else {
            "house full"
        },
        Some(results.iter().all(|(_, f)| full(f))),
    );
    if results.iter().any(|(_, f)| f.pairs_left.is_some()) {
        report.line(
            "adjacent free pairs left",
            column(&|f| f.pairs_left.unwrap_or(0).to_string()),
            "0",
            Some(results.iter().all(|(_, f)| f.pairs_left.unwrap_or(0) == 0)),
        );
    }
    report.line(
        &format!("double_owners ({checked})"),
        column(&|f| f.double_owners.to_string()),
        "0",
        Some(results.iter().all(|(_, f)| f.double_owners == 0)),
    );
    if let (Some(a), Some(d)) = (actors, direct) {
        let ratio = rps(a) / rps(d).max(1e-9);
        report.actors(
            "actors / direct-sqlite throughput",
            fmt(ratio),
            ">= 5x",
            Some(ratio >= 5.0),
        );
        report.set("ratio_actors_direct", json!(ratio));
    }
    if let (Some(a), Some(c)) = (actors, ceiling.as_ref().map(|c| c.requests_per_sec)) {
        let ratio = rps(a) / c;
        report.actors(
            "actors / ceiling throughput",
            format!("{:.0}%", ratio * 100.0),
            ">= 60%",
            Some(ratio >= 0.6),
        );
        report.set("ratio_actors_ceiling", json!(ratio));
        report.set("ceiling_requests_per_sec", json!(c));
        if let Some(ceiling) = &ceiling {
            report.set(
                "ceiling",
                json!({
                    "requests_per_sec": c,
                    "p50_ms": ceiling.latencies.ms(0.5),
                    "p99_ms": ceiling.latencies.ms(0.99),
                    "p999_ms": ceiling.latencies.ms(0.999),
                }),
            );
        }
    }
    for (engine, f) in &results {
        if !full(f) {
            report.fail(format!(
                "{}: {} of {} seats held at the end",
                engine.name(),
                f.seats_held,
                f.house
            ));
        }
        if f.double_owners != 0 {
            report.fail(format!(
                "{}: {} seats with two owners",
                engine.name(),
                f.double_owners
            ));
        }
        report.set(
            engine.name(),
            json!({
                "requests_per_sec": rps(f),
                "sell_out_ms": f.elapsed.as_secs_f64() * 1000.0 / f.houses.max(1) as f64,
                "hold_requests": f.holds,
                "errors": f.errors,
                "p50_ms": f.latencies.ms(0.5),
                "p99_ms": f.latencies.ms(0.99),
                "p999_ms": f.latencies.ms(0.999),
                "winners": f.winners,
                "seats_held": f.seats_held,
                "house_seats": f.house,
                "pairs_left": f.pairs_left,
                "double_owners": f.double_owners,
            }),
        );
    }
}

// ------------------------------------------------------------ mixed

pub struct MixedOptions {
    pub clients: usize,
    pub showtimes: usize,
    pub seconds: u64,
    pub engines: Vec<Engine>,
}

#[derive(Default)]
struct MixedFigures {
    ops: u64,
    errors: u64,
    elapsed: Duration,
    reads: Latencies,
    holds: Latencies,
    releases: Latencies,
    double_owners: usize,
}

async fn mixed_engine(
    fixture: &Fixture,
    engine: Engine,
    options: &MixedOptions,
    showtimes: &[i64],
    seats: &[String],
) -> anyhow::Result<MixedFigures> {
    let server = ServerProcess::spawn(engine, fixture.dir.path(), "0 * * * * *")?;
    let http = client(options.clients);
    connect_all(&http, &server.base, options.clients).await;
    let zipf = Arc::new(Zipf::new(showtimes.len(), 1.0));
    let showtimes = Arc::new(showtimes.to_vec());
    let seats = Arc::new(seats.to_vec());
    let deadline = Instant::now() + Duration::from_secs(options.seconds);
    let tasks: Vec<_> = fixture.tokens[..options.clients]
        .iter()
        .map(|token| {
            let (http, base, token) = (http.clone(), server.base.clone(), token.clone());
            let (zipf, showtimes, seats) = (zipf.clone(), showtimes.clone(), seats.clone());
            tokio::spawn(async move {
                let (mut reads, mut holds, mut releases) =
                    (Latencies::new(), Latencies::new(), Latencies::new());
                let mut open: Option<String> = None;
                let (mut ops, mut errors) = (0u64, 0u64);
                while Instant::now() < deadline {
                    let (roll, pick, a, b) = {
                        let mut rng = rand::rng();
                        (
                            rng.random::<f64>(),
                            rng.random::<f64>(),
                            rng.random_range(0..seats.len()),
                            rng.random_range(0..seats.len()),
                        )
                    };
                    let showtime = showtimes[zipf.sample(pick)];
                    if roll < 0.8 {
                        let answer = send_unparsed(
                            http.get(format!("{base}/api/v1/showtimes/{showtime}/seats")),
                        )
                        .await;
                        reads.record(answer.took);
                        errors += u64::from(answer.status != 200);
                    } else if let Some(booking) = open.take() {
                        let answer = send(
                            http.delete(format!("{base}/api/v1/bookings/{booking}"))
                                .bearer_auth(&token),
                        )
                        .await;
                        releases.record(answer.took);
                        errors += u64::from(answer.status != 204);
                    } else {
                        let mut want = vec![seats[a].clone()];
                        if b != a {
                            want.push(seats[b].clone());
                        }
                        let answer = send(
                            http.post(format!("{base}/api/v1/bookings"))
                                .bearer_auth(&token)
                                .json(&json!({"showtime_id": showtime, "seats": want})),
                        )
                        .await;
                        holds.record(answer.took);
                        match answer.status {
                            201 => open = answer.body["id"].as_str().map(String::from),
                            409 => {}
                            _ => errors += 1,
                        }
                    }
                    ops += 1;
                }
                if let Some(booking) = open {
                    send(
                        http.delete(format!("{base}/api/v1/bookings/{booking}"))
                            .bearer_auth(&token),
                    )
                    .await;
                }
                (ops, errors, reads, holds, releases)
            })
        })
        .collect();
    let started = Instant::now();
    let mut figures = MixedFigures::default();
    for task in tasks {
        if let Ok((ops, errors, reads, holds, releases)) = task.await {
            figures.ops += ops;
            figures.errors += errors;
            figures.reads.merge(&reads);
            figures.holds.merge(&holds);
            figures.releases.merge(&releases);
        }
    }
    figures.elapsed = started.elapsed();
    if engine == Engine::Actors {
        let conn = fixture.connect()?;
        let doubles: i64 = conn.query_row(
            "SELECT COUNT(*) FROM (SELECT b.showtime_id, bs.seat_id FROM booking_seats bs JOIN bookings b ON b.id = bs.booking_id
              WHERE b.status IN ('held', 'awaiting_payment', 'paid') GROUP BY b.showtime_id, bs.seat_id HAVING COUNT(*) > 1)",
            [],
            |r| r.get(0),
        )?;
        figures.double_owners = doubles as usize;
    }
    Ok(figures)
}

pub async fn mixed(options: MixedOptions) -> anyhow::Result<Report> {
    let mut report = Report::new("mixed");
    let fixture = fixture::prepare(options.clients)?;
    let mut conn = fixture.connect()?;
    let showtimes = fixture::big_showtimes(&mut conn, options.showtimes)?;
    if options.engines.contains(&Engine::DirectSqlite) {
        fixture::direct_tables(&mut conn, &showtimes)?;
    }
    let seats = fixture::seat_ids(&conn, showtimes[0])?;
    drop(conn);
    report.set("clients", json!(options.clients));
    report.set("showtimes", json!(showtimes.len()));
    report.set("seconds", json!(options.seconds));
    report.set("synchronous", json!("full"));
    let mut results = Vec::new();
    for engine in &options.engines {
        results.push((
            *engine,
            mixed_engine(&fixture, *engine, &options, &showtimes, &seats).await?,
        ));
    }
    let ops = |f: &MixedFigures| f.ops as f64 / f.elapsed.as_secs_f64().max(1e-9);
    let column = |f: &dyn Fn(&MixedFigures) -> String| -> Vec<(&str, String)> {
        results
            .iter()
            .map(|(e, figures)| (e.name(), f(figures)))
            .collect()
    };
    report.line("operations/s", column(&|f| fmt(ops(f))), "", None);
    for (name, pick) in [
        (
            "seat map",
            (|f: &MixedFigures| &f.reads) as fn(&MixedFigures) -> &Latencies,
        ),
        ("hold", |f: &MixedFigures| &f.holds),
        ("release", |f: &MixedFigures| &f.releases),
    ] {
        report.line(
            &format!("{name} count"),
            column(&|f| pick(f).count().to_string()),
            "",
            None,
        );
        report.line(
            &format!("{name} p50 (ms)"),
            column(&|f| fmt(pick(f).ms(0.5))),
            "",
            None,
        );
        report.line(
            &format!("{name} p99 (ms)"),
            column(&|f| fmt(pick(f).ms(0.99))),
            "",
            None,
        );
    }
    report.line(
        "errors",
        column(&|f| f.errors.to_string()),
        "0",
        Some(results.iter().all(|(_, f)| f.errors == 0)),
    );
    let actors = results
        .iter()
        .find(|(e, _)| *e == Engine::Actors)
        .map(|(_, f)| f);
    let direct = results
        .iter()
        .find(|(e, _)| *e == Engine::DirectSqlite)
        .map(|(_, f)| f);
    if let Some(a) = actors {
        report.actors(
            "double_owners (from the database)",
            a.double_owners.to_string(),
            "0",
            Some(a.double_owners == 0),
        );
        if a.double_owners != 0 {
            report.fail(format!("{} seats with two owners", a.double_owners));
        }
    }
    if let (Some(a), Some(d)) = (actors, direct) {
        let ratio = ops(a) / ops(d).max(1e-9);
        report.actors(
            "actors / direct-sqlite throughput",
            fmt(ratio),
            ">= 3x",
            Some(ratio >= 3.0),
        );
        report.set("ratio_actors_direct", json!(ratio));
    }
    for (engine, f) in &results {
        report.set(
            engine.name(),
            json!({
                "operations_per_sec": ops(f),
                "errors": f.errors,
                "seat_map": {"count": f.reads.count(), "p50_ms": f.reads.ms(0.5), "p99_ms": f.reads.ms(0.99)},
                "hold": {"count": f.holds.count(), "p50_ms": f.holds.ms(0.5), "p99_ms": f.holds.ms(0.99)},
                "release": {"count": f.releases.count(), "p50_ms": f.releases.ms(0.5), "p99_ms": f.releases.ms(0.99)},
            }),
        );
    }
    Ok(report)
}

// ------------------------------------------------------------ expiry

pub struct ExpiryOptions {
    pub holds: usize,
    pub showtimes: usize,
    pub clients: usize,
}

fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0)
}

pub async fn expiry(options: ExpiryOptions) -> anyhow::Result<Report> {
    let mut report = Report::new("expiry");
    const SEATS_PER_BOOKING: usize = 2;
    let per_showtime = options.holds.div_ceil(options.showtimes);
    let bookings = per_showtime.div_ceil(SEATS_PER_BOOKING);
    let fixture = fixture::prepare(options.clients.max(bookings))?;
    let mut conn = fixture.connect()?;
    let all = fixture::big_showtimes(&mut conn, options.showtimes + 100)?;
    let (expiring, busy) = all.split_at(options.showtimes);
    let seats = fixture::seat_ids(&conn, busy[0])?;
    let lead = Duration::from_secs(20);
    let expires_at = chrono::Utc::now() + chrono::Duration::from_std(lead)?;
    let held = fixture::insert_holds(
        &mut conn,
        expiring,
        bookings,
        SEATS_PER_BOOKING,
        expires_at.timestamp_millis(),
    )?;
    drop(conn);
    report.set("holds", json!(held));
    report.set("showtimes", json!(expiring.len()));
    report.set("clients", json!(options.clients));

    let server = ServerProcess::spawn(Engine::Actors, fixture.dir.path(), "*/2 * * * * *")?;
    let http = client(options.clients);
    connect_all(&http, &server.base, options.clients).await;
    // Clients hold and release on other showtimes until well after the sweep.
    let stop_at = Instant::now()
        + lead
            .saturating_sub(Duration::from_secs(1))
            .max(Duration::from_secs(1))
        + Duration::from_secs(8);
    let epoch = Instant::now();
    // Just after the deadline, before any sweep had a chance, an expired seat
    // must be available to someone else: expiry is data, not a job.
    let probe = {
        let http = http.clone();
        let url = format!("{}/api/v1/bookings", server.base);
        let token = fixture.tokens[bookings].clone();
        let showtime = expiring[expiring.len() / 2];
        let seat = fixture::seat_ids(&fixture.connect()?, showtime)?.remove(0);
        let wait = (expires_at - chrono::Utc::now())
            .to_std()
            .unwrap_or_default()
            + Duration::from_millis(30);
        tokio::spawn(async move {
            tokio::time::sleep(wait).await;
            send(
                http.post(url)
                    .bearer_auth(token)
                    .json(&json!({"showtime_id": showtime, "seats": [seat]})),
            )
            .await
            .status
        })
    };
    let busy = Arc::new(busy.to_vec());
    let seats = Arc::new(seats);
    let tasks: Vec<_> = fixture.tokens[..options.clients]
        .iter()
        .map(|token| {
            let (http, base, token, busy, seats) = (
                http.clone(),
                server.base.clone(),
                token.clone(),
                busy.clone(),
                seats.clone(),
            );
            tokio::spawn(async move {
                let mut samples = Vec::new();
                let mut open: Option<String> = None;
                while Instant::now() < stop_at {
                    if let Some(booking) = open.take() {
                        send(
                            http.delete(format!("{base}/api/v1/bookings/{booking}"))
                                .bearer_auth(&token),
                        )
                        .await;
                        continue;
                    }
                    let (showtime, seat) = {
                        let mut rng = rand::rng();
                        (
                            busy[rng.random_range(0..busy.len())],
                            seats[rng.random_range(0..seats.len())].clone(),
                        )
                    };
                    let started = Instant::now();
                    let answer = send(
                        http.post(format!("{base}/api/v1/bookings"))
                            .bearer_auth(&token)
                            .json(&json!({"showtime_id": showtime, "seats": [seat]})),
                    )
                    .await;
                    samples.push((started.duration_since(epoch), answer.took));
                    if answer.status == 201 {
                        open = answer.body["id"].as_str().map(String::from);
                    }
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
    let probe_status = probe.await.unwrap_or(0);
    let text = http
        .get(format!("{}/metrics", server.base))
        .send()
        .await?
        .text()
        .await?;
    let released = metric(&text, "bioskop_sweep_released_seats_total") as usize;
    // The sweep that did the work: the last one that released anything.
    let sweep_seconds = metric(&text, "bioskop_sweep_last_busy_duration_seconds");
    let last_released = metric(&text, "bioskop_sweep_last_busy_released_seats") as usize;
    let last_started = metric(&text, "bioskop_sweep_last_busy_started_seconds");
    let sweep_start = Duration::from_secs_f64(
        (last_started
            - (chrono::Utc::now().timestamp_millis() as f64 / 1000.0
                - epoch.elapsed().as_secs_f64()))
        .max(0.0),
    );
    let sweep_end = sweep_start + Duration::from_secs_f64(sweep_seconds);
    let (mut during, mut outside) = (Latencies::new(), Latencies::new());
    // Where in the sweep the slow ones are: its first second (every actor
    // asked at once) or the rest (the writer's background lane).
    let (mut first_second, mut rest) = (Latencies::new(), Latencies::new());
    for (start, took) in &samples {
        let end = *start + *took;
        if end >= sweep_start && *start <= sweep_end {
            during.record(*took);
            if *start <= sweep_start + Duration::from_secs(1) {
                first_second.record(*took);
            } else {
                rest.record(*took);
            }
        } else if end + Duration::from_millis(500) < sweep_start {
            outside.record(*took);
        }
    }
    let conn = fixture.connect()?;
    let still_held: i64 = conn.query_row(
        "SELECT COUNT(*) FROM seat_occupancy o JOIN bookings b ON b.id = o.booking_id WHERE b.expires_at = ?1",
        [expires_at.timestamp_millis()],
        |r| r.get(0),
    )?;
    let expired: i64 = conn.query_row(
        "SELECT COUNT(*) FROM bookings WHERE expires_at = ?1 AND status = 'expired'",
        [expires_at.timestamp_millis()],
        |r| r.get(0),
    )?;
    drop(server);

    report.actors("holds expiring together", held.to_string(), "", None);
    report.actors(
        "expired seat held by another 30 ms after",
        probe_status.to_string(),
        "released, durable <= 1 s",
        // Expiry is data: the deadline is stored with the hold, so the
        // release needs no sweep and survives a crash (tests/crash.rs).
        Some(probe_status == 201),
    );
    report.actors(
        "seats released by that sweep",
        last_released.to_string(),
        "all (but the probe's showtime)",
        // The probe's hold released its own showtime's expired holds first.
        Some(last_released == held || last_released + bookings * SEATS_PER_BOOKING == held),
    );
    report.actors(
        "sweep's bookkeeping written (ms)",
        fmt(sweep_seconds * 1000.0),
        "(background; no target)",
        None,
    );
    report.actors(
        "holds still stored afterwards",
        still_held.to_string(),
        "0",
        Some(still_held == 0),
    );
    report.actors(
        "other holds during the sweep",
        during.count().to_string(),
        "",
        None,
    );
    report.actors("their p99 (ms)", fmt(during.ms(0.99)), "", None);
    report.actors(
        "  in its first second / the rest (ms)",
        format!("{} / {}", fmt(first_second.ms(0.99)), fmt(rest.ms(0.99))),
        "",
        None,
    );
    report.actors(
        "p99 outside the sweep (ms)",
        fmt(outside.ms(0.99)),
        "",
        None,
    );
    let ratio = during.p99_ratio(&outside);
    report.actors(
        "p99 during / outside",
        fmt(ratio),
        "<= 2x",
        Some(ratio <= 2.0 && during.count() > 0),
    );
    if probe_status != 201 {
        report.fail(format!("an expired seat was refused ({probe_status})"));
    }
    // The probe's own hold expired a showtime's bookings lazily, so they count too.
    if still_held != 0 || expired as usize != held.div_ceil(SEATS_PER_BOOKING) {
        report.fail(format!(
            "{still_held} expired seats still stored, {expired} bookings marked expired"
        ));
    }
    report.set(
        "actors",
        json!({
            "holds": held, "released_total": released, "released_by_last_sweep": last_released,
            "sweep_ms": sweep_seconds * 1000.0, "holds_during_sweep": during.count(),
            "p99_during_ms": during.ms(0.99), "p99_outside_ms": outside.ms(0.99), "ratio": ratio,
            "p99_first_second_of_sweep_ms": first_second.ms(0.99), "p99_rest_of_sweep_ms": rest.ms(0.99),
            "p50_during_ms": during.ms(0.5), "p50_outside_ms": outside.ms(0.5),
            "still_stored": still_held,
        }),
    );
    Ok(report)
}

// ------------------------------------------------------------ memory

pub async fn memory(showtimes: usize) -> anyhow::Result<Report> {
    let mut report = Report::new("memory");
    let fixture = fixture::prepare(1)?;
    let mut conn = fixture.connect()?;
    let ids = fixture::big_showtimes(&mut conn, showtimes)?;
    // One open hold each, so recovery loads every one of them at start.
    let far = chrono::Utc::now().timestamp_millis() + 3_600_000;
    fixture::insert_holds(&mut conn, &ids, 1, 1, far)?;
    drop(conn);
    let server = ServerProcess::spawn(Engine::Actors, fixture.dir.path(), "0 * * * * *")?;
    let recovered = server
        .banner
        .iter()
        .find_map(|l| {
            l.strip_prefix("recovered ")
                .and_then(|r| r.split(' ').next())
                .and_then(|n| n.parse::<usize>().ok())
        })
        .unwrap_or(0);
    let rss = server.resident_bytes() as f64 / (1024.0 * 1024.0);
    let startup = server.startup.as_secs_f64();
    report.actors(
        "showtime actors loaded",
        recovered.to_string(),
        &showtimes.to_string(),
        Some(recovered == showtimes),
    );
    report.actors(
        "resident memory (MB)",
        fmt(rss),
        "<= 150 MB",
        Some(rss <= 150.0),
    );
    report.actors(
        "start-up with recovery (s)",
        fmt(startup),
        "<= 2 s",
        Some(startup <= 2.0),
    );
    if recovered != showtimes {
        report.fail(format!("recovered {recovered} of {showtimes} showtimes"));
    }
    report.set(
        "actors",
        json!({"showtimes": recovered, "rss_mb": rss, "startup_s": startup}),
    );
    Ok(report)
}
