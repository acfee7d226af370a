//! `bioskop`: runs the cinema ticketing server (`serve`, the default), makes
//! an admin (`admin create`, `admin promote`), or backs up the live database
//! (`backup FILE`).

use std::{io::IsTerminal, path::PathBuf, process::ExitCode, sync::Arc};

use bioskop::{app::Application, cli, clock::SystemClock, config::Settings};
use clap::{Parser, Subcommand};
use secrecy::ExposeSecret;

/// Cinema ticketing server.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// A TOML file overriding config/default.toml (environment variables
    /// BIOSKOP__SECTION__KEY override both).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the server (what `bioskop` alone does).
    Serve,
    /// Makes an admin in the configured database (no server needed).
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Copies the configured database, live (a running server goes on
    /// selling), to FILE, checked with PRAGMA integrity_check.
    Backup {
        /// A new file (an existing one is refused).
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Creates an admin, the password read from the terminal without echo
    /// (or one line of standard input). For an existing admin: sets the new
    /// password and ends its sessions. Refuses a customer's or staff e-mail.
    Create {
        #[arg(long)]
        email: String,
        /// Shown in the back office; default "Administrator".
        #[arg(long)]
        name: Option<String>,
    },
    /// Makes an existing account an admin and ends all its sessions.
    Promote {
        #[arg(long)]
        email: String,
    },
}

#[actix_web::main]
async fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    // Test builds only: the kill -9 tests pause the binary at a named point
    // (FAILPOINTS=offer-move-decided=sleep(60000)).
    #[cfg(feature = "failpoints")]
    let _failpoints = fail::FailScenario::setup();
    let admin = match cli.command {
        None | Some(Command::Serve) => None,
        Some(Command::Admin { command }) => Some(command),
        Some(Command::Backup { file }) => {
            let settings = Settings::load(cli.config.as_deref())?;
            return Ok(match cli::backup(&settings, &file) {
                Ok(line) => {
                    println!("{line}");
                    ExitCode::SUCCESS
                }
                Err(error) => {
                    eprintln!("bioskop backup: {error:#}");
                    ExitCode::FAILURE
                }
            });
        }
    };
    // Colour codes only for a terminal: not in files, pipes or journald. The
    // admin commands print one line on stdout: their logs (warnings unless
    // RUST_LOG says otherwise) go to stderr.
    let default_filter = if admin.is_some() {
        "warn"
    } else {
        "info,actix_server=warn"
    };
    let logs = tracing_subscriber::fmt().with_env_filter(
        tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| default_filter.into()),
    );
    if admin.is_some() {
        logs.with_ansi(std::io::stderr().is_terminal())
            .with_writer(std::io::stderr)
            .init();
    } else {
        logs.with_ansi(std::io::stdout().is_terminal()).init();
    }
    let settings = Settings::load(cli.config.as_deref())?;
    let Some(admin) = admin else {
        serve(settings).await?;
        return Ok(ExitCode::SUCCESS);
    };
    let done = match admin {
        AdminCommand::Create { email, name } => match cli::read_password(&email) {
            Ok(password) => cli::admin_create(&settings, &email, name.as_deref(), &password)
                .await
                .map_err(anyhow::Error::from),
            Err(error) => Err(error.into()),
        },
        AdminCommand::Promote { email } => cli::admin_promote(&settings, &email)
            .await
            .map_err(anyhow::Error::from),
    };
    match done {
        Ok(line) => {
            println!("{line}");
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            eprintln!("bioskop admin: {error:#}");
            Ok(ExitCode::FAILURE)
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let database = settings.database.path.clone();
    let queue = if settings.queue.amqp_url.expose_secret().trim().is_empty() {
        "the embedded queue (set queue.amqp_url for RabbitMQ)".to_string()
    } else {
        format!(
            "RabbitMQ, exchanges and queues {}.refunds*",
            settings.queue.name_prefix
        )
    };
    let bind_host = settings.http.bind.ip();
    let app = Application::build(settings, Arc::new(SystemClock)).await?;

    println!(
        "bioskop is listening on http://{bind_host}:{} (web front end at /, API under /api/v1)",
        app.port()
    );
    println!("  database: {}", database.display());
    println!("  refunds: {queue}");
    println!("  messages: {}", app.state().notifier.describe());
    if let Some(seeded) = &app.seeded {
        println!(
            "  demo data seeded: {} cities, {} cinemas, {} auditoriums ({} seats), {} movies, {} showtimes",
            seeded.cities,
            seeded.cinemas,
            seeded.auditoriums,
            seeded.seats,
            seeded.movies,
            seeded.showtimes
        );
    }
    if let Some(admin) = &app.admin {
        match &admin.generated_password {
            Some(password) => println!("  admin login: {} / {password}", admin.email),
            None => println!(
                "  admin login: {} (password from the configuration)",
                admin.email
            ),
        }
    }
    if app.recovered_showtimes > 0 {
        println!(
            "  recovered open holds of {} showtimes",
            app.recovered_showtimes
        );
    }
    println!("  ready; Ctrl-C stops it");
    app.run_until_stopped().await?;
    Ok(())
}
