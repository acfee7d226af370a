//! Layered settings: the embedded `config/default.toml`, then an optional file
//! given with `--config`, then `BIOSKOP__SECTION__KEY` environment variables.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer};

/// The defaults are compiled in so the binary runs from any directory.
const DEFAULTS: &str = include_str!("../config/default.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    /// `demo` (zero setup) or `production` (refuses unsafe settings).
    pub mode: Mode,
    pub http: HttpSettings,
    pub database: DatabaseSettings,
    pub booking: BookingSettings,
    pub catalog: CatalogSettings,
    pub scheduler: SchedulerSettings,
    pub payments: PaymentSettings,
    pub queue: QueueSettings,
    pub refunds: RefundSettings,
    pub offers: OfferSettings,
    pub mail: MailSettings,
    pub whatsapp: WhatsAppSettings,
    pub checkin: CheckinSettings,
    pub accounts: AccountSettings,
    pub admin: AdminSettings,
    pub demo: DemoSettings,
    pub ops: OpsSettings,
}

/// How the server runs: the zero-setup demo, or a cinema taking real money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Demo,
    Production,
}

impl HttpSettings {
    /// Whether browsers reach the server over https (`public_url`): then
    /// HSTS is sent and the session cookie is `Secure`.
    pub fn is_https(&self) -> bool {
        self.public_url
            .trim()
            .to_ascii_lowercase()
            .starts_with("https://")
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct HttpSettings {
    pub bind: SocketAddr,
    pub public_url: String,
    pub workers: usize,
    /// Peers whose `X-Forwarded-For` names the client (the TLS proxy).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Live seat streams one client address may follow at once (429 beyond).
    pub max_sse_per_client: usize,
    /// Live seat streams open at once in all (503 beyond).
    pub max_sse: usize,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    pub path: PathBuf,
    pub synchronous: Synchronous,
    /// Customer writes waiting for the writer at most (503 `overloaded`
    /// beyond); background writes always wait.
    pub max_queued_writes: usize,
}

/// SQLite's `synchronous` pragma, restricted to the modes that keep WAL consistent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Synchronous {
    Off,
    Normal,
    Full,
}

impl Synchronous {
    pub fn pragma_value(self) -> &'static str {
        match self {
            Synchronous::Off => "OFF",
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct BookingSettings {
    #[serde(deserialize_with = "duration")]
    pub hold_ttl: Duration,
    pub max_seats_per_booking: usize,
    pub currency: String,
    /// Seats one customer may hold at once across all showtimes (0: no limit).
    pub max_seats_per_customer: usize,
    /// How long a customer who released a seat cannot hold it again (0: off),
    /// so that release and re-hold cannot stretch a hold.
    #[serde(deserialize_with = "duration")]
    pub rehold_cooldown: Duration,
    /// Holds one customer may start in an hour (0: no limit).
    pub max_holds_per_customer_per_hour: usize,
    /// No hold, added or removed seat may leave one free seat alone in a
    /// row (DESIGN 4c; 409 `single_seat_gap`).
    pub no_single_gap: bool,
}

impl BookingSettings {
    /// No per-customer limit against hoarding (a `Bookings` built without
    /// [`crate::bookings::Bookings::with_hold_limits`]).
    pub fn unlimited() -> BookingSettings {
        BookingSettings {
            hold_ttl: Duration::from_secs(600),
            max_seats_per_booking: usize::MAX,
            currency: String::new(),
            max_seats_per_customer: 0,
            rehold_cooldown: Duration::ZERO,
            max_holds_per_customer_per_hour: 0,
            no_single_gap: false,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct CatalogSettings {
    /// The IANA time zone of a cinema created without one. Each cinema's
    /// times are shown in its own zone (`cinemas.timezone`).
    #[serde(deserialize_with = "timezone")]
    pub default_timezone: chrono_tz::Tz,
    /// The least time between one showtime's end and the next one's start
    /// in the same auditorium (cleaning, the audience out and in).
    #[serde(deserialize_with = "duration")]
    pub cleaning_gap: Duration,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SchedulerSettings {
    pub sweep_cron: String,
    /// A showtime actor with nothing held, no live subscriber and no request
    /// for this long stops and gives its memory back (0: never).
    #[serde(deserialize_with = "duration")]
    pub stop_idle_showtimes_after: Duration,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PaymentSettings {
    pub provider: String,
    pub webhook_secret: SecretString,
    pub midtrans: MidtransSettings,
}

/// Midtrans (payments.provider = "midtrans"). The keys are secrets: their
/// `Debug` prints `[REDACTED]`, so no log line or error can show them.
#[derive(Debug, Clone, Deserialize)]
pub struct MidtransSettings {
    pub server_key: SecretString,
    pub client_key: SecretString,
    pub environment: MidtransEnvironment,
    /// Core API base (status, expire, approve, deny, refund); empty: from `environment`.
    pub api_url: String,
    /// Snap base (creating transactions); empty: from `environment`.
    pub snap_url: String,
    #[serde(deserialize_with = "duration")]
    pub connect_timeout: Duration,
    #[serde(deserialize_with = "duration")]
    pub request_timeout: Duration,
    /// A pending payment is asked for its status this long before its hold lapses.
    #[serde(deserialize_with = "duration")]
    pub check_before_lapse: Duration,
    /// Waits between status checks of one payment (the last repeats).
    #[serde(deserialize_with = "durations")]
    pub check_backoff: Vec<Duration>,
    /// Status checks of one payment before it is handed to the admins.
    pub max_checks: u32,
    /// How often due checks are looked for besides when a notification
    /// wakes the reconciler; 0: not in the background (tests run it).
    #[serde(deserialize_with = "duration")]
    pub reconcile_interval: Duration,
}

/// Which Midtrans: fake money (`sandbox`) or real money (`production`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MidtransEnvironment {
    Sandbox,
    Production,
}

impl MidtransSettings {
    /// The Core API base URL, without a trailing slash.
    pub fn api_base(&self) -> String {
        let configured = self.api_url.trim().trim_end_matches('/');
        match (configured.is_empty(), self.environment) {
            (false, _) => configured.to_string(),
            (true, MidtransEnvironment::Sandbox) => "https://api.sandbox.midtrans.com".into(),
            (true, MidtransEnvironment::Production) => "https://api.midtrans.com".into(),
        }
    }

    /// The Snap base URL, without a trailing slash.
    pub fn snap_base(&self) -> String {
        let configured = self.snap_url.trim().trim_end_matches('/');
        match (configured.is_empty(), self.environment) {
            (false, _) => configured.to_string(),
            (true, MidtransEnvironment::Sandbox) => "https://app.sandbox.midtrans.com".into(),
            (true, MidtransEnvironment::Production) => "https://app.midtrans.com".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct QueueSettings {
    /// Carries the broker's password: never printed.
    pub amqp_url: SecretString,
    /// Prefix of every exchange and queue name on the broker.
    pub name_prefix: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RefundSettings {
    pub max_attempts: u32,
    #[serde(deserialize_with = "durations")]
    pub backoff: Vec<Duration>,
    #[serde(deserialize_with = "duration")]
    pub requeue_after: Duration,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MailSettings {
    /// May carry credentials (smtp://user:pass@host): never printed.
    pub smtp_url: SecretString,
    pub username: String,
    pub password: SecretString,
    pub dir: PathBuf,
    pub from: String,
    pub locale: MailLocale,
    #[serde(deserialize_with = "durations")]
    pub retry_backoff: Vec<Duration>,
}

/// The language of messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailLocale {
    Id,
    En,
}

/// The cancelled-showtime offer (DESIGN 4c).
#[derive(Debug, Clone, Deserialize)]
pub struct OfferSettings {
    /// A move may go to a showtime starting before the cancelled start plus this.
    #[serde(deserialize_with = "duration")]
    pub move_window: Duration,
    /// Undecided this long after the cancellation: the refund goes ahead.
    #[serde(deserialize_with = "duration")]
    pub decide_within: Duration,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CheckinSettings {
    #[serde(deserialize_with = "duration")]
    pub opens_before: Duration,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WhatsAppSettings {
    pub endpoint: String,
    pub token: SecretString,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AccountSettings {
    #[serde(deserialize_with = "duration")]
    pub session_ttl: Duration,
    /// Failed sign-ins allowed per (account, client address) in the window.
    pub login_max_failures: u32,
    /// Failed sign-ins allowed per client address in the window.
    pub login_max_failures_per_ip: u32,
    #[serde(deserialize_with = "duration")]
    pub login_window: Duration,
    /// Distinct addresses failing on one account within the window that
    /// alert the admins (credential stuffing; 0: never).
    pub login_alert_addresses: usize,
    /// Argon2 hashes at once (0: the machine's cores − 1, at least 1).
    pub max_concurrent_hashes: usize,
    /// Sign-ups and sign-ins waiting for a hash at most; more get 503.
    pub hash_queue: usize,
    /// How long one waits for a hash before 503 `overloaded`.
    #[serde(deserialize_with = "duration")]
    pub hash_wait: Duration,
    /// Sign-ups per client address within `signup_window` (0: no limit).
    pub max_signups_per_ip: u32,
    #[serde(deserialize_with = "duration")]
    pub signup_window: Duration,
}

impl AccountSettings {
    /// The defaults of `config/default.toml`, for unit tests.
    #[cfg(test)]
    pub fn for_tests() -> AccountSettings {
        Settings::defaults().accounts
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct AdminSettings {
    pub email: String,
    pub password: SecretString,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DemoSettings {
    pub seed_on_empty: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OpsSettings {
    /// When set, `/metrics` needs `Authorization: Bearer` with it.
    pub metrics_token: SecretString,
}

impl Settings {
    /// Reads the layers in order; later layers win.
    pub fn load(file: Option<&std::path::Path>) -> Result<Settings, config::ConfigError> {
        let mut builder = config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml));
        if let Some(file) = file {
            builder = builder.add_source(config::File::from(file).required(true));
        }
        builder
            .add_source(
                config::Environment::with_prefix("BIOSKOP")
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true),
            )
            .build()?
            .try_deserialize()
    }

    /// The embedded defaults alone, for tests and tools that set fields directly.
    pub fn defaults() -> Settings {
        config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml))
            .build()
            .and_then(|c| c.try_deserialize())
            .expect("the embedded config/default.toml is valid")
    }
}

impl Settings {
    /// Everything that makes these settings unsafe for a cinema taking real
    /// money, in plain words (empty: safe). `mode = "production"` refuses to
    /// start while any is left, naming them all at once.
    pub fn production_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let midtrans = &self.payments.midtrans;
        if self.payments.provider != "midtrans" {
            problems.push(format!(
                "payments.provider is \"{}\": the built-in sandbox takes no real money; set it to \"midtrans\"",
                self.payments.provider
            ));
        }
        // Checked whatever the provider, so one pass fixes everything.
        for (key, value) in [
            ("server_key", &midtrans.server_key),
            ("client_key", &midtrans.client_key),
        ] {
            let value = value.expose_secret().trim();
            if value.is_empty() {
                problems.push(format!(
                    "payments.midtrans.{key} is empty: set the production key from the Midtrans dashboard"
                ));
            } else if value.starts_with("SB-Mid-") {
                problems.push(format!(
                    "payments.midtrans.{key} is a Midtrans sandbox key (SB-Mid-…): it takes fake money; use the production key"
                ));
            }
        }
        if midtrans.environment == MidtransEnvironment::Sandbox {
            problems.push(
                "payments.midtrans.environment is \"sandbox\" (fake money): set it to \"production\"".into(),
            );
        }
        for (key, url) in [
            ("api_url", &midtrans.api_url),
            ("snap_url", &midtrans.snap_url),
        ] {
            if url.to_ascii_lowercase().contains("sandbox") {
                problems.push(format!(
                    "payments.midtrans.{key} points at Midtrans' sandbox ({url}): leave it empty in production"
                ));
            }
        }
        let public_url = self.http.public_url.trim();
        if public_url.is_empty() {
            problems.push(
                "http.public_url is empty: set the https address customers and Midtrans reach (https://tickets.example.id)".into(),
            );
        } else if !public_url.to_ascii_lowercase().starts_with("https://") {
            problems.push(format!(
                "http.public_url ({public_url}) is not https: payments and logins need TLS (terminated by a reverse proxy)"
            ));
        } else if self.http.trusted_proxies.is_empty() {
            problems.push(
                "http.trusted_proxies is empty: bioskop serves plain HTTP behind your TLS proxy; list the proxy's address (e.g. [\"127.0.0.1\"]) or every customer looks like the proxy".into(),
            );
        }
        if self.demo.seed_on_empty {
            problems.push(
                "demo.seed_on_empty is true: demo cinemas and showtimes would be sold; set it to false".into(),
            );
        }
        if self.ops.metrics_token.expose_secret().trim().is_empty() {
            problems.push(
                "ops.metrics_token is empty: /metrics would be public; set a long random token"
                    .into(),
            );
        }
        if self.database.synchronous == Synchronous::Off {
            problems.push(
                "database.synchronous is \"off\": a power cut could lose paid tickets; use \"full\" (or \"normal\")".into(),
            );
        }
        if !self.admin.password.expose_secret().is_empty() {
            problems.push(
                "admin.password is set: in production, create admins with `bioskop admin create --email E` (no password in files)".into(),
            );
        }
        problems
    }
}

/// The wait after the `n`th failure (0-based) of a back-off list: the last
/// step repeats; an empty list means no wait.
pub fn backoff_step(backoff: &[Duration], n: usize) -> Duration {
    backoff
        .get(n)
        .or(backoff.last())
        .copied()
        .unwrap_or(Duration::ZERO)
}

/// Parses `500ms`, `30s`, `10m`, `2h`, `30d` (a bare number means seconds).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration such as 10m, 30s or 500ms"))?;
    let millis_per_unit = match unit.trim() {
        "ms" => 1,
        "" | "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        other => return Err(format!("unknown duration unit `{other}` in `{text}`")),
    };
    value
        .checked_mul(millis_per_unit)
        .map(Duration::from_millis)
        .ok_or_else(|| format!("duration `{text}` is too long"))
}

fn duration<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse_duration(&text).map_err(serde::de::Error::custom)
}

fn durations<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Duration>, D::Error> {
    let texts = Vec::<String>::deserialize(deserializer)?;
    texts
        .iter()
        .map(|t| parse_duration(t).map_err(serde::de::Error::custom))
        .collect()
}

fn timezone<'de, D: Deserializer<'de>>(deserializer: D) -> Result<chrono_tz::Tz, D::Error> {
    let text = String::deserialize(deserializer)?;
    text.parse::<chrono_tz::Tz>().map_err(|_| {
        serde::de::Error::custom(format!(
            "`{text}` is not an IANA time zone like Asia/Jakarta"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_read_in_every_unit() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("30d"), Ok(Duration::from_secs(30 * 86400)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        assert!(parse_duration("ten minutes").is_err());
        assert!(parse_duration("10 fortnights").is_err());
        assert!(parse_duration("99999999999999999999d").is_err());
    }

    #[test]
    fn a_back_off_repeats_its_last_step() {
        let steps = [Duration::from_secs(10), Duration::from_secs(60)];
        assert_eq!(backoff_step(&steps, 0), Duration::from_secs(10));
        assert_eq!(backoff_step(&steps, 1), Duration::from_secs(60));
        assert_eq!(backoff_step(&steps, 7), Duration::from_secs(60));
        assert_eq!(backoff_step(&[], 0), Duration::ZERO);
    }

    #[test]
    fn the_embedded_defaults_match_the_design() {
        let settings = Settings::defaults();
        assert_eq!(settings.booking.hold_ttl, Duration::from_secs(600));
        assert_eq!(settings.booking.max_seats_per_booking, 8);
        assert_eq!(settings.scheduler.sweep_cron, "0 * * * * *");
        assert_eq!(settings.database.synchronous, Synchronous::Full);
        assert_eq!(settings.refunds.max_attempts, 5);
        assert_eq!(settings.refunds.backoff.len(), 4);
    }
}
