//! `bioskop`: runs the cinema ticketing server.

use std::{io::IsTerminal, path::PathBuf, sync::Arc};

use bioskop::{app::Application, clock::SystemClock, config::Settings};
use clap::Parser;
use secrecy::ExposeSecret;

/// Cinema ticketing server.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// A TOML file overriding config/default.toml (environment variables
    /// BIOSKOP__SECTION__KEY override both).
    #[arg(long)]
    config: Option<PathBuf>,
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    // Colour codes only for a terminal: not in files, pipes or journald.
    tracing_subscriber::fmt()
        .with_ansi(std::io::stdout().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,actix_server=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let settings = Settings::load(cli.config.as_deref())?;
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
        println!("  admin login: {} / {}", admin.email, admin.password);
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
