//! Accounts: registration, login with rate limiting, bearer sessions, roles.
//!
//! Passwords are hashed with Argon2id at OWASP's parameters (19 MiB, 2
//! passes) on blocking threads. Session tokens are 256 random bits; only
//! their SHA-256 is stored, and a small in-memory cache spares the database a
//! lookup on every request (logout evicts it; every cached session is checked
//! against the database again after `SESSION_RECHECK`, so a session ended or
//! a role changed by another process, the admin command line, counts within
//! that time).

pub mod admin;
mod hashing;
mod limiter;
pub mod users;
mod validate;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use argon2::{Argon2, password_hash::PasswordHasher};
use rand::RngExt;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

pub use limiter::LoginLimiter;
pub use validate::Registration;

use crate::{
    clock::{SharedClock, to_millis},
    config::AccountSettings,
    error::{AppError, AppResult},
    ids::UserId,
    store::Store,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Customer,
    Staff,
    Admin,
}

impl Role {
    /// The stored spelling, as in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Staff => "staff",
            Role::Admin => "admin",
        }
    }

    pub(crate) fn parse(text: &str) -> Role {
        match text {
            "admin" => Role::Admin,
            "staff" => Role::Staff,
            _ => Role::Customer,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub phone: Option<String>,
    pub role: Role,
}

/// A bearer token handed to a client, with the user it logs in.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Session {
    pub token: String,
    pub user: User,
}

#[derive(Clone)]
pub struct Accounts {
    inner: Arc<Inner>,
}

/// Recent sign-ups per client address (`accounts.max_signups_per_ip`).
#[derive(Default)]
struct Signups {
    by_client: HashMap<String, std::collections::VecDeque<i64>>,
    pruning: crate::pruning::Pruning,
}

struct Inner {
    store: Store,
    clock: SharedClock,
    settings: AccountSettings,
    /// token hash → the user, the session's expiry, when the row was read.
    sessions: Mutex<HashMap<[u8; 32], CachedSession>>,
    /// Moves (under the `sessions` lock) whenever an account's sessions are
    /// ended here: a session read from the database before that is not
    /// cached after it with what it was.
    purges: std::sync::atomic::AtomicU64,
    limiter: LoginLimiter,
    hashing: hashing::Hashing,
    /// Sign-ups per client address, in a sliding window.
    signups: Mutex<Signups>,
}

/// Sessions kept in memory at most; beyond that the cache starts afresh.
const MAX_CACHED_SESSIONS: usize = 100_000;
/// How long a cached session is believed without reading its row again.
/// Another process (`bioskop admin promote`, `admin create` resetting an
/// admin's password) ends sessions by deleting their rows, which this
/// process's cache cannot see: they are refused at most this long after.
pub const SESSION_RECHECK: Duration = Duration::from_secs(2);

#[derive(Clone)]
struct CachedSession {
    user: User,
    expires_at: i64,
    read_at: Instant,
}

impl Accounts {
    pub fn new(store: Store, clock: SharedClock, settings: AccountSettings) -> Accounts {
        let limiter = LoginLimiter::new(
            settings.login_max_failures,
            settings.login_max_failures_per_ip,
            settings.login_alert_addresses,
            settings.login_window,
        );
        let hashing = hashing::Hashing::new(&settings);
        Accounts {
            inner: Arc::new(Inner {
                store,
                clock,
                settings,
                sessions: Mutex::new(HashMap::new()),
                purges: std::sync::atomic::AtomicU64::new(0),
                limiter,
                hashing,
                signups: Mutex::new(Signups::default()),
            }),
        }
    }

    /// Secrets (password, token) are never recorded in the span.
    #[tracing::instrument(skip_all)]
    pub async fn register(&self, registration: Registration, client: &str) -> AppResult<Session> {
        let valid = registration.validate()?;
        self.count_signup(client)?;
        let hash = self.hash(valid.password.clone()).await?;
        let now = to_millis(self.inner.clock.now());
        let (token, token_hash) = new_token();
        let expires_at = self.session_expiry(now);
        let user = self
            .inner
            .store
            .write(move |conn| {
                let id = insert_account(
                    conn,
                    (&valid.email, &hash, &valid.name, valid.phone.as_deref()),
                    Role::Customer,
                    now,
                )?;
                conn.prepare_cached(query!("accounts/insert_session"))?
                    .execute(params![token_hash.to_vec(), id, now, expires_at])?;
                Ok(User {
                    id,
                    email: valid.email,
                    name: valid.name,
                    phone: valid.phone,
                    role: Role::Customer,
                })
            })
            .await?;
        Ok(Session { token, user })
    }

    #[tracing::instrument(skip_all)]
    pub async fn login(&self, email: &str, password: &str, client: &str) -> AppResult<Session> {
        let email = email.trim().to_lowercase();
        let now = self.inner.clock.now();
        let attempt = self.inner.limiter.begin(&email, client, now)?;
        let judged = self.judge(&email, password).await;
        let (user, proved) = match judged {
            Ok(Some(proved)) => proved,
            Ok(None) => {
                if let limiter::Failed::LooksLikeStuffing { addresses } =
                    self.inner.limiter.failed(&attempt)
                {
                    self.alert_stuffing(&email, addresses).await;
                }
                return Err(AppError::InvalidCredentials);
            }
            // Busy or broken (503): no password was judged, so the attempt
            // does not count against this address.
            Err(error) => {
                self.inner.limiter.cancel(attempt);
                return Err(error);
            }
        };
        // The password was right: whatever happens to the session's write,
        // this attempt is no failure.
        self.inner.limiter.succeeded(attempt);
        // The session (and a staff or admin sign-in's audit row) is written
        // only if the password just proved is still the account's: a reset
        // or a disable that committed during the hash check wins.
        let now_ms = to_millis(now);
        let (token, token_hash) = new_token();
        let expires_at = self.session_expiry(now_ms);
        let sign_in = (user.role != Role::Customer).then(|| users::sign_in_entry(&user, client));
        let user_id = user.id;
        let opened = self
            .inner
            .store
            .write(move |conn| {
                let opened = conn
                    .prepare_cached(query!("accounts/insert_session_if_unchanged"))?
                    .execute(params![
                        token_hash.to_vec(),
                        user_id,
                        now_ms,
                        expires_at,
                        proved
                    ])?;
                if opened == 1
                    && let Some(entry) = &sign_in
                {
                    crate::audit::record(conn, entry, now_ms)?;
                }
                Ok(opened == 1)
            })
            .await?;
        if !opened {
            return Err(AppError::InvalidCredentials);
        }
        Ok(Session { token, user })
    }

    /// The account and the password hash `password` proved, or `None` for
    /// wrong credentials (an unknown e-mail or a disabled account costs the
    /// same hash as a wrong password, so timing tells nothing).
    async fn judge(&self, email: &str, password: &str) -> AppResult<Option<(User, String)>> {
        let lookup = email.to_string();
        let found = self
            .inner
            .store
            .read(move |conn| {
                Ok(conn
                    .prepare_cached(query!("accounts/user_by_email"))?
                    .query_row(params![lookup], |r| {
                        Ok((user_from(r)?, r.get::<_, String>(5)?, r.get::<_, bool>(6)?))
                    })
                    .optional()?)
            })
            .await?;
        let (user, hash) = found
            .map(|(user, hash, disabled)| ((!disabled).then_some(user), hash))
            .unzip();
        let proved = hash.clone();
        let password = password.to_string();
        let matches = self
            .inner
            .hashing
            .run(move |memory| verify_blocking_in(memory, &password, hash.as_deref()))
            .await?;
        Ok(match (user.flatten().filter(|_| matches), proved) {
            (Some(user), Some(proved)) => Some((user, proved)),
            _ => None,
        })
    }

    /// Creates a session for a user who has already proved who they are.
    #[tracing::instrument(skip_all, fields(user_id = %user_id))]
    pub async fn open_session(&self, user_id: UserId) -> AppResult<String> {
        let now = to_millis(self.inner.clock.now());
        let (token, token_hash) = new_token();
        let expires_at = self.session_expiry(now);
        self.inner
            .store
            .write(move |conn| {
                conn.prepare_cached(query!("accounts/insert_session"))?
                    .execute(params![token_hash.to_vec(), user_id, now, expires_at])?;
                Ok(())
            })
            .await?;
        Ok(token)
    }

    /// The user a bearer token logs in; 401 when it is unknown or expired.
    #[tracing::instrument(skip_all)]
    pub async fn authenticate(&self, token: &str) -> AppResult<User> {
        let token_hash = hash_token(token);
        let now = to_millis(self.inner.clock.now());
        // A poisoned cache is passed over: the database decides (closed).
        // So is an entry read more than SESSION_RECHECK ago: the row may be
        // gone, or the role changed, by another process.
        if let Some(cached) = self
            .inner
            .sessions
            .lock()
            .ok()
            .and_then(|s| s.get(&token_hash).cloned())
            .filter(|c| c.read_at.elapsed() < SESSION_RECHECK)
        {
            return if cached.expires_at > now {
                Ok(cached.user)
            } else {
                Err(AppError::Unauthenticated)
            };
        }
        let purges_before = self.inner.purges.load(std::sync::atomic::Ordering::SeqCst);
        let found = self
            .inner
            .store
            .read(move |conn| {
                Ok(conn
                    .prepare_cached(query!("accounts/user_by_session"))?
                    .query_row(params![token_hash.to_vec()], |r| {
                        Ok((user_from(r)?, r.get::<_, i64>(5)?))
                    })
                    .optional()?)
            })
            .await?;
        match found {
            Some((user, expires_at)) if expires_at > now => {
                if let Ok(mut sessions) = self.inner.sessions.lock()
                    // Sessions were ended since this row was read: it may be
                    // one of them, so it is not kept (the next request reads again).
                    && self.inner.purges.load(std::sync::atomic::Ordering::SeqCst) == purges_before
                {
                    if sessions.len() >= MAX_CACHED_SESSIONS {
                        sessions.clear();
                    }
                    sessions.insert(
                        token_hash,
                        CachedSession {
                            user: user.clone(),
                            expires_at,
                            read_at: Instant::now(),
                        },
                    );
                }
                Ok(user)
            }
            _ => {
                // Ended elsewhere: no stale entry stays behind.
                if let Ok(mut sessions) = self.inner.sessions.lock() {
                    sessions.remove(&token_hash);
                }
                Err(AppError::Unauthenticated)
            }
        }
    }

    #[tracing::instrument(skip_all)]
    pub async fn logout(&self, token: &str) -> AppResult<()> {
        let token_hash = hash_token(token);
        if let Ok(mut sessions) = self.inner.sessions.lock() {
            sessions.remove(&token_hash);
        }
        self.inner
            .store
            .write(move |conn| {
                conn.prepare_cached(query!("accounts/delete_session"))?
                    .execute(params![token_hash.to_vec()])?;
                Ok(())
            })
            .await
    }

    /// The configured (or demo) admin at start: created, or its password set
    /// (its sessions ended) when it is an admin with another password, or
    /// left alone when the password is the same. An e-mail of a customer or
    /// staff account is refused and that account left as it was
    /// ([`admin::ensure_admin`]).
    #[tracing::instrument(skip_all)]
    pub async fn ensure_admin(
        &self,
        email: &str,
        password: &str,
    ) -> AppResult<admin::AdminCreated> {
        let ready =
            admin::ensure_admin(&self.inner.store, email, password, self.inner.clock.now()).await?;
        // Sessions it ended may be cached here (the cache is empty at start).
        if let (admin::AdminCreated::PasswordReset { user, .. }, Ok(mut sessions)) =
            (&ready, self.inner.sessions.lock())
        {
            sessions.retain(|_, cached| cached.user.id != user.id);
        }
        Ok(ready)
    }

    /// An Argon2 hash of `password`, within the bound on hashes at once.
    pub(crate) async fn hash(&self, password: String) -> AppResult<String> {
        self.inner
            .hashing
            .run(move |memory| hashing::hash_in(memory, &password))
            .await
    }

    /// 429 `too_many_signups` when this address signed up too often lately;
    /// counted before the hash, so a flood from one address costs none.
    fn count_signup(&self, client: &str) -> AppResult<()> {
        let limit = self.inner.settings.max_signups_per_ip;
        if limit == 0 {
            return Ok(());
        }
        let now = to_millis(self.inner.clock.now());
        let window = crate::clock::millis(self.inner.settings.signup_window);
        let mut signups = self
            .inner
            .signups
            .lock()
            .map_err(|_| AppError::Internal("the sign-up counts are poisoned".into()))?;
        let Signups { by_client, pruning } = &mut *signups;
        if pruning.due(by_client.len()) {
            by_client.retain(|_, times| times.back().is_some_and(|t| *t > now - window));
            if crate::pruning::cap(by_client) {
                tracing::warn!("sign-up counts from very many addresses: half of them dropped");
            }
            pruning.pruned(by_client.len());
        }
        let times = by_client.entry(client.to_string()).or_default();
        while times.front().is_some_and(|t| *t <= now - window) {
            times.pop_front();
        }
        if times.len() as u64 >= u64::from(limit)
            && let Some(oldest) = times.front()
        {
            let wait_ms = (oldest + window - now).max(1000);
            return Err(AppError::TooManySignups {
                retry_after_secs: u64::try_from(wait_ms / 1000).unwrap_or(1),
            });
        }
        times.push_back(now);
        Ok(())
    }

    /// Failures on `email` from many addresses: the admins are told (once
    /// per window), and the owner is not locked out.
    async fn alert_stuffing(&self, email: &str, addresses: usize) {
        let now = to_millis(self.inner.clock.now());
        let subject = format!("Sign-in failures on {email} from {addresses} addresses");
        let message = format!(
            "Sign-ins to {email} failed from {addresses} different addresses within {} minutes: \
             it looks like credential stuffing. The account is not locked; each address is \
             throttled on its own.",
            self.inner.settings.login_window.as_secs() / 60
        );
        let written = self
            .inner
            .store
            .write(move |conn| {
                crate::notify::alert(conn, "credential_stuffing", &subject, &message, now)
            })
            .await;
        if let Err(error) = written {
            tracing::warn!(%error, "could not record a credential stuffing alert");
        }
    }

    /// Ends every session of `user` here at once: the rows are deleted by
    /// the caller's write, the cached ones here.
    fn forget_sessions_of(&self, user: UserId) {
        if let Ok(mut sessions) = self.inner.sessions.lock() {
            self.inner
                .purges
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            sessions.retain(|_, cached| cached.user.id != user);
        }
    }

    fn session_expiry(&self, now: i64) -> i64 {
        let ttl = crate::clock::millis(self.inner.settings.session_ttl);
        now.saturating_add(ttl)
    }
}

/// Inserts an account `(email, password hash, name, phone)`; 409
/// `email_taken` when the e-mail has one already.
fn insert_account(
    conn: &rusqlite::Connection,
    (email, hash, name, phone): (&str, &str, &str, Option<&str>),
    role: Role,
    now: i64,
) -> AppResult<UserId> {
    let inserted = conn
        .prepare_cached(query!("accounts/insert_user"))?
        .execute(params![email, hash, name, phone, role.as_str(), now]);
    match inserted {
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            Err(AppError::EmailTaken)
        }
        Err(other) => Err(other.into()),
        Ok(_) => Ok(UserId(conn.last_insert_rowid())),
    }
}

/// A user from the first five columns of a row: id, email, name, phone, role.
fn user_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(0)?,
        email: r.get(1)?,
        name: r.get(2)?,
        phone: r.get(3)?,
        role: Role::parse(&r.get::<_, String>(4)?),
    })
}

fn new_token() -> (String, [u8; 32]) {
    let bytes: [u8; 32] = rand::rng().random();
    let token = hex::encode(bytes);
    let hash = hash_token(&token);
    (token, hash)
}

fn hash_token(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Argon2 on a blocking thread, unbounded: for the command line, which runs
/// one at a time (the server goes through [`Accounts::hash`]).
async fn hash_password(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|e| AppError::Internal(format!("hashing task failed: {e}")))?
}

fn hash_blocking(password: &str) -> AppResult<String> {
    hashing::hash_in(&mut hashing::Memory::default(), password)
}

/// As [`hash_password`], for the command line's checks.
async fn verify_password(password: String, hash: Option<String>) -> AppResult<bool> {
    tokio::task::spawn_blocking(move || {
        verify_blocking_in(&mut hashing::Memory::default(), &password, hash.as_deref())
    })
    .await
    .map_err(|e| AppError::Internal(format!("verifying task failed: {e}")))?
}

/// Checks `password` against `hash`, or against a dummy hash when there is
/// no account (same cost either way, so timing does not tell which e-mails
/// have accounts).
fn verify_blocking_in(
    memory: &mut hashing::Memory,
    password: &str,
    hash: Option<&str>,
) -> AppResult<bool> {
    let hash = hash.unwrap_or_else(|| dummy_hash());
    Ok(hashing::verify_in(memory, password, hash))
}

/// A valid Argon2id hash of a random password, made once.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let password: [u8; 16] = rand::rng().random();
        // Without a dummy every unknown e-mail fails to verify (closed),
        // only faster: worth a line in the log.
        Argon2::default()
            .hash_password(&password)
            .map(|h| h.to_string())
            .unwrap_or_else(|error| {
                tracing::error!(%error, "making the dummy password hash");
                String::new()
            })
    })
}
