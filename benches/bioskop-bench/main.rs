//! `bioskop-bench`: measures the actor design under a flash sale, side by
//! side with a direct-SQLite design and the machine's HTTP ceiling.
//!
//! Every scenario prepares a fresh database, starts the server under test in
//! its own process, drives it over HTTP/1.1 keep-alive connections from many
//! concurrent clients, and checks correctness from the database afterwards.

// Benchmark code: a panic on a broken fixture or answer is a failed run.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod auth_flood;
mod direct;
mod fixture;
mod live;
mod load;
mod report;
mod scenarios;
mod server;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use server::Engine;

#[derive(Parser)]
#[command(about = "Benchmarks of the bioskop seat engine")]
struct Cli {
    #[command(subcommand)]
    scenario: Scenario,
    /// Print one JSON object with every figure instead of a table.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Engines {
    /// The product and the direct-SQLite baseline, one after the other.
    All,
    Actors,
    DirectSqlite,
}

impl Engines {
    fn list(self) -> Vec<Engine> {
        match self {
            Engines::All => vec![Engine::Actors, Engine::DirectSqlite],
            Engines::Actors => vec![Engine::Actors],
            Engines::DirectSqlite => vec![Engine::DirectSqlite],
        }
    }
}

#[derive(Subcommand)]
enum Scenario {
    /// Clients race for every seat of 300-seat showtimes, 2 seats each, until the house is full.
    FlashSale {
        #[arg(long, default_value_t = 2000)]
        clients: usize,
        /// Showtimes sold out one after another (figures add up over them).
        #[arg(long, default_value_t = 10)]
        rounds: usize,
        #[arg(long, value_enum, default_value_t = Engines::All)]
        engine: Engines,
        /// Drive a server that is already running instead (its own engine;
        /// clients register through the API, double owners are checked from
        /// the answers and the seat map).
        #[arg(long)]
        url: Option<String>,
        /// With the no-lone-seat rule on (`booking.no_single_gap`) and
        /// clients that ask for adjacent pairs, taking the server's
        /// alternatives when refused; the product's engine only.
        #[arg(long)]
        no_single_gap: bool,
    },
    /// Zipf-skewed demand over many showtimes: 80% seat-map reads, 20% holds and releases.
    Mixed {
        #[arg(long, default_value_t = 500)]
        clients: usize,
        #[arg(long, default_value_t = 2000)]
        showtimes: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        #[arg(long, value_enum, default_value_t = Engines::All)]
        engine: Engines,
    },
    /// Many holds over many showtimes expire in the same sweep while other clients hold seats.
    Expiry {
        #[arg(long, default_value_t = 100_000)]
        holds: usize,
        #[arg(long, default_value_t = 2000)]
        showtimes: usize,
        #[arg(long, default_value_t = 100)]
        clients: usize,
    },
    /// Resident memory and start-up time with many showtimes loaded.
    Memory {
        #[arg(long, default_value_t = 2000)]
        showtimes: usize,
    },
    /// Server-Sent Events subscribers of one showtime: how fast a change reaches all of them.
    Live {
        #[arg(long, default_value_t = 1000)]
        subscribers: usize,
        /// Seat changes made (holds and releases, one at a time).
        #[arg(long, default_value_t = 40)]
        changes: usize,
    },
    /// Sign-ups and sign-ins all at once, each from its own forwarded
    /// address, while other clients browse and hold seats: peak memory,
    /// answers by status, and the browsing clients' p99 with and without it.
    AuthFlood {
        /// Flood clients; each registers, then signs in.
        #[arg(long, default_value_t = 1000)]
        clients: usize,
        /// Browsing clients (seat maps, showtime lists, holds and releases).
        #[arg(long, default_value_t = 50)]
        browsers: usize,
        /// Length of the baseline phase, and least length of the flood phase.
        #[arg(long, default_value_t = 8)]
        seconds: u64,
        /// Times a flood client tries a step again after 503 `overloaded`,
        /// after the `Retry-After` it was given.
        #[arg(long, default_value_t = 1)]
        retries: usize,
    },
    /// Internal: run one engine on a prepared database (started by the scenarios).
    #[command(hide = true)]
    Serve {
        #[arg(long, value_enum)]
        engine: Engine,
        #[arg(long)]
        dir: PathBuf,
        #[arg(long)]
        sweep_cron: String,
        /// Believe X-Forwarded-For from 127.0.0.1 (the load generator).
        #[arg(long)]
        trust_local_proxy: bool,
        /// Turn the no-lone-seat rule on.
        #[arg(long)]
        no_single_gap: bool,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Scenario::Serve {
        engine,
        dir,
        sweep_cron,
        trust_local_proxy,
        no_single_gap,
    } = cli.scenario
    {
        return server::serve(engine, &dir, sweep_cron, trust_local_proxy, no_single_gap);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(async {
        match cli.scenario {
            Scenario::FlashSale {
                clients,
                rounds,
                engine,
                url,
                no_single_gap,
            } => {
                let options = scenarios::FlashOptions {
                    clients,
                    rounds: rounds.max(1),
                    // The direct-SQLite engine has no seating rule.
                    engines: if no_single_gap {
                        vec![Engine::Actors]
                    } else {
                        engine.list()
                    },
                    pairs: no_single_gap,
                };
                match url {
                    Some(url) => scenarios::flash_sale_remote(&url, options).await,
                    None => scenarios::flash_sale(options).await,
                }
            }
            Scenario::Mixed {
                clients,
                showtimes,
                seconds,
                engine,
            } => {
                scenarios::mixed(scenarios::MixedOptions {
                    clients,
                    showtimes: showtimes.max(1),
                    seconds,
                    engines: engine.list(),
                })
                .await
            }
            Scenario::Expiry {
                holds,
                showtimes,
                clients,
            } => {
                scenarios::expiry(scenarios::ExpiryOptions {
                    holds,
                    showtimes: showtimes.max(1),
                    clients: clients.max(1),
                })
                .await
            }
            Scenario::Memory { showtimes } => scenarios::memory(showtimes.max(1)).await,
            Scenario::Live {
                subscribers,
                changes,
            } => live::live(subscribers.max(1), changes.max(2)).await,
            Scenario::AuthFlood {
                clients,
                browsers,
                seconds,
                retries,
            } => {
                auth_flood::auth_flood(auth_flood::Options {
                    clients: clients.max(1),
                    browsers: browsers.max(1),
                    seconds: seconds.max(1),
                    retries,
                })
                .await
            }
            Scenario::Serve { .. } => unreachable!("handled above"),
        }
    })?;
    report.print(cli.json);
    if !report.failures.is_empty() {
        std::process::exit(1);
    }
    Ok(())
}
