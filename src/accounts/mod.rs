//! Accounts: registration, login with rate limiting, bearer sessions, roles.
//!
//! Passwords are hashed with Argon2id at OWASP's parameters (19 MiB, 2
//! passes) on blocking threads. Session tokens are 256 random bits; only
//! their SHA-256 is stored, and a small in-memory cache spares the database a
//! lookup on every request (logout evicts it).

mod limiter;
mod validate;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use argon2::{
    Argon2,
    password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash},
};
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
    fn parse(text: &str) -> Role {
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

struct Inner {
    store: Store,
    clock: SharedClock,
    settings: AccountSettings,
    sessions: Mutex<HashMap<[u8; 32], (User, i64)>>,
    limiter: LoginLimiter,
}

/// Sessions kept in memory at most; beyond that the cache starts afresh.
const MAX_CACHED_SESSIONS: usize = 100_000;

impl Accounts {
    pub fn new(store: Store, clock: SharedClock, settings: AccountSettings) -> Accounts {
        let limiter = LoginLimiter::new(
            settings.login_max_failures,
            settings.login_max_failures_per_ip,
            settings.login_window,
        );
        Accounts {
            inner: Arc::new(Inner {
                store,
                clock,
                settings,
                sessions: Mutex::new(HashMap::new()),
                limiter,
            }),
        }
    }

    /// Secrets (password, token) are never recorded in the span.
    #[tracing::instrument(skip_all)]
    pub async fn register(&self, registration: Registration) -> AppResult<Session> {
        let valid = registration.validate()?;
        let hash = hash_password(valid.password.clone()).await?;
        let now = to_millis(self.inner.clock.now());
        let (token, token_hash) = new_token();
        let expires_at = self.session_expiry(now);
        let user = self
            .inner
            .store
            .write(move |conn| {
                let inserted = conn
                    .prepare_cached(query!("accounts/insert_user"))?
                    .execute(params![
                        valid.email,
                        hash,
                        valid.name,
                        valid.phone,
                        "customer",
                        now
                    ]);
                match inserted {
                    Err(rusqlite::Error::SqliteFailure(e, _))
                        if e.code == rusqlite::ErrorCode::ConstraintViolation =>
                    {
                        return Err(AppError::EmailTaken);
                    }
                    other => other?,
                };
                let id = UserId(conn.last_insert_rowid());
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
        self.inner.limiter.check(&email, client, now)?;
        let lookup = email.clone();
        let found = self
            .inner
            .store
            .read(move |conn| {
                Ok(conn
                    .prepare_cached(query!("accounts/user_by_email"))?
                    .query_row(params![lookup], |r| {
                        Ok((user_from(r)?, r.get::<_, String>(5)?))
                    })
                    .optional()?)
            })
            .await?;
        // An unknown e-mail costs the same hash as a wrong password, so timing
        // does not tell which e-mails have accounts.
        let (user, hash) = found.unzip();
        let matches = verify_password(password.to_string(), hash).await?;
        let Some(user) = user.filter(|_| matches) else {
            self.inner.limiter.record_failure(&email, client, now);
            return Err(AppError::InvalidCredentials);
        };
        self.inner.limiter.forget(&email);
        let token = self.open_session(user.id).await?;
        Ok(Session { token, user })
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
        if let Some((user, expires_at)) = self
            .inner
            .sessions
            .lock()
            .ok()
            .and_then(|s| s.get(&token_hash).cloned())
        {
            return if expires_at > now {
                Ok(user)
            } else {
                Err(AppError::Unauthenticated)
            };
        }
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
                if let Ok(mut sessions) = self.inner.sessions.lock() {
                    if sessions.len() >= MAX_CACHED_SESSIONS {
                        sessions.clear();
                    }
                    sessions.insert(token_hash, (user.clone(), expires_at));
                }
                Ok(user)
            }
            _ => Err(AppError::Unauthenticated),
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

    /// Creates the admin, or resets its password and role when it exists.
    #[tracing::instrument(skip_all)]
    pub async fn ensure_admin(&self, email: &str, password: &str) -> AppResult<()> {
        let email = email.trim().to_lowercase();
        if !email.contains('@') || password.chars().count() < 8 {
            return Err(AppError::validation(
                "invalid_admin",
                "admin.email must be an e-mail address and admin.password at least 8 characters",
            ));
        }
        let hash = hash_password(password.to_string()).await?;
        let now = to_millis(self.inner.clock.now());
        self.inner
            .store
            .write(move |conn| {
                conn.prepare_cached(query!("accounts/upsert_admin"))?
                    .execute(params![email, hash, now])?;
                Ok(())
            })
            .await
    }

    fn session_expiry(&self, now: i64) -> i64 {
        let ttl = crate::clock::millis(self.inner.settings.session_ttl);
        now.saturating_add(ttl)
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

async fn hash_password(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("hashing a password: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(format!("hashing task failed: {e}")))?
}

/// Checks `password` against `hash`, or against a dummy hash when there is
/// no account (same cost either way). Argon2, even the dummy's first making,
/// runs on a blocking thread, never on an HTTP worker.
async fn verify_password(password: String, hash: Option<String>) -> AppResult<bool> {
    tokio::task::spawn_blocking(move || {
        let hash = hash.as_deref().unwrap_or_else(|| dummy_hash());
        let Ok(parsed) = PasswordHash::new(hash) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
    .await
    .map_err(|e| AppError::Internal(format!("verifying task failed: {e}")))
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
