//! Admins are made on purpose only: `bioskop admin create` (and the demo
//! bootstrap) never turn an existing customer or staff account into an admin;
//! `bioskop admin promote` does, deliberately, and ends that account's
//! sessions in the same transaction, so no session opened with fewer rights
//! carries admin rights.
//!
//! These functions take the store, not `Accounts`: the command line runs them
//! in its own process, beside a running server. Deleting the session rows is
//! what ends the sessions there; a server's session cache checks each cached
//! session against the database again after `SESSION_RECHECK` (see
//! `Accounts::authenticate`).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::{Registration, Role, User, hash_password, user_from, verify_password};
use crate::{
    clock::to_millis,
    error::{AppError, AppResult},
    ids::UserId,
    store::Store,
};

/// The name of an admin created without one.
pub const DEFAULT_ADMIN_NAME: &str = "Administrator";

/// What [`create_admin`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminCreated {
    /// A new admin account.
    Created(User),
    /// The e-mail already was an admin's: its password was set (and its name,
    /// when one was given) and every session of it ended.
    PasswordReset { user: User, sessions_ended: usize },
    /// Only from [`ensure_admin`]: already an admin with this very password;
    /// nothing changed, its sessions go on (a restart logs nobody out).
    Unchanged(User),
}

/// What [`promote`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Promoted {
    /// The account is an admin now; every session it had is ended.
    Promoted {
        user: User,
        previous: Role,
        sessions_ended: usize,
    },
    /// It already was an admin: nothing changed.
    AlreadyAdmin(User),
}

/// Creates an admin, or sets the password of the admin with this e-mail (and
/// ends its sessions: the way back from a forgotten or leaked password).
/// Refuses an e-mail that belongs to a customer or staff account, which stays
/// exactly as it was. E-mail, password and name follow the registration rules.
pub async fn create_admin(
    store: &Store,
    email: &str,
    name: Option<&str>,
    password: &str,
    now: DateTime<Utc>,
) -> AppResult<AdminCreated> {
    let valid = Registration {
        email: email.to_string(),
        password: password.to_string(),
        name: name.unwrap_or(DEFAULT_ADMIN_NAME).to_string(),
        phone: None,
    }
    .validate()
    .map_err(|error| match error {
        AppError::Validation { errors, .. } => AppError::Validation {
            code: "invalid_admin",
            detail: errors
                .iter()
                .map(|e| format!("the admin's {} {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; "),
            errors,
        },
        other => other,
    })?;
    let new_name = name.map(|_| valid.name.clone());
    let hash = hash_password(valid.password).await?;
    let now = to_millis(now);
    store
        .write(move |conn| match find(conn, &valid.email)? {
            None => {
                let inserted = conn
                    .prepare_cached(query!("accounts/insert_admin"))?
                    .execute(params![valid.email, hash, valid.name, now]);
                match inserted {
                    Err(rusqlite::Error::SqliteFailure(e, _))
                        if e.code == rusqlite::ErrorCode::ConstraintViolation =>
                    {
                        return Err(AppError::EmailTaken);
                    }
                    other => other?,
                };
                Ok(AdminCreated::Created(User {
                    id: UserId(conn.last_insert_rowid()),
                    email: valid.email,
                    name: valid.name,
                    phone: None,
                    role: Role::Admin,
                }))
            }
            Some(mut user) if user.role == Role::Admin => {
                conn.prepare_cached(query!("accounts/set_password"))?
                    .execute(params![user.id, hash, new_name])?;
                if let Some(name) = new_name {
                    user.name = name;
                }
                let sessions_ended = end_sessions(conn, user.id)?;
                Ok(AdminCreated::PasswordReset {
                    user,
                    sessions_ended,
                })
            }
            Some(user) => Err(not_an_admin(&user)),
        })
        .await
}

/// The admin of the configuration (or the demo's) at start: like
/// [`create_admin`], except that an admin whose password already is this one
/// is left alone, sessions and all.
pub async fn ensure_admin(
    store: &Store,
    email: &str,
    password: &str,
    now: DateTime<Utc>,
) -> AppResult<AdminCreated> {
    let lookup = email.trim().to_lowercase();
    let found = store
        .read(move |conn| {
            Ok(conn
                .prepare_cached(query!("accounts/user_by_email"))?
                .query_row(params![lookup], |r| {
                    Ok((user_from(r)?, r.get::<_, String>(5)?))
                })
                .optional()?)
        })
        .await?;
    if let Some((user, hash)) = found
        && user.role == Role::Admin
        && verify_password(password.to_string(), Some(hash)).await?
    {
        return Ok(AdminCreated::Unchanged(user));
    }
    create_admin(store, email, None, password, now).await
}

/// Makes the account with this e-mail an admin and ends all its sessions in
/// the same transaction: whoever used it must log in again, as an admin.
pub async fn promote(store: &Store, email: &str) -> AppResult<Promoted> {
    let email = email.trim().to_lowercase();
    store
        .write(move |conn| {
            let Some(mut user) = find(conn, &email)? else {
                return Err(AppError::BadRequest {
                    code: "unknown_account",
                    detail: format!(
                        "no account has the e-mail {email}; to create an admin: bioskop admin create --email {email}"
                    ),
                });
            };
            if user.role == Role::Admin {
                return Ok(Promoted::AlreadyAdmin(user));
            }
            let previous = user.role;
            conn.prepare_cached(query!("accounts/set_role"))?
                .execute(params![user.id, Role::Admin.as_str()])?;
            user.role = Role::Admin;
            let sessions_ended = end_sessions(conn, user.id)?;
            Ok(Promoted::Promoted {
                user,
                previous,
                sessions_ended,
            })
        })
        .await
}

/// The refusal of [`create_admin`] for a customer's or staff member's e-mail.
fn not_an_admin(user: &User) -> AppError {
    AppError::conflict(
        "not_an_admin",
        format!(
            "{email} belongs to an existing {role} account, which is left as it is (an admin is \
             never made from an existing account by accident); to make it an admin deliberately, \
             ending its sessions: bioskop admin promote --email {email}",
            email = user.email,
            role = user.role.as_str(),
        ),
    )
}

fn find(conn: &Connection, email: &str) -> AppResult<Option<User>> {
    Ok(conn
        .prepare_cached(query!("accounts/user_by_email"))?
        .query_row(params![email], user_from)
        .optional()?)
}

fn end_sessions(conn: &Connection, user: UserId) -> AppResult<usize> {
    Ok(conn
        .prepare_cached(query!("accounts/delete_sessions_of_user"))?
        .execute(params![user])?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Synchronous;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("a.db"), Synchronous::Normal).expect("store");
        (dir, store)
    }

    async fn role_and_sessions(store: &Store, email: &'static str) -> (String, i64) {
        store
            .read(move |conn| {
                Ok(conn.query_row(
                    "SELECT u.role, (SELECT COUNT(*) FROM sessions s WHERE s.user_id = u.id) \
                     FROM users u WHERE u.email = ?1",
                    [email],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?)
            })
            .await
            .expect("the account")
    }

    async fn customer_with_session(store: &Store, email: &'static str) {
        store
            .write(move |conn| {
                conn.execute(
                    "INSERT INTO users (email, password_hash, name, role, created_at) \
                     VALUES (?1, 'x', 'Sari', 'customer', 0)",
                    [email],
                )?;
                conn.execute(
                    "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) \
                     VALUES (x'01', ?1, 0, 9999999999999)",
                    [conn.last_insert_rowid()],
                )?;
                Ok(())
            })
            .await
            .expect("a customer");
    }

    #[tokio::test]
    async fn an_admin_is_created_then_its_password_is_reset_with_its_sessions_ended() {
        let (_dir, store) = store();
        let now = Utc::now();
        let created = create_admin(&store, " Boss@Example.com ", None, "rahasia-123", now)
            .await
            .expect("created");
        let AdminCreated::Created(user) = created else {
            panic!("expected a new admin: {created:?}");
        };
        assert_eq!(user.email, "boss@example.com");
        assert_eq!(user.name, DEFAULT_ADMIN_NAME);
        assert_eq!(user.role, Role::Admin);

        let again = create_admin(
            &store,
            "boss@example.com",
            Some("Bu Ani"),
            "another-456",
            now,
        )
        .await
        .expect("reset");
        assert!(
            matches!(&again, AdminCreated::PasswordReset { user, sessions_ended: 0 } if user.name == "Bu Ani"),
            "{again:?}"
        );
    }

    #[tokio::test]
    async fn the_start_keeps_an_admin_with_the_same_password_and_its_sessions() {
        let (_dir, store) = store();
        let now = Utc::now();
        create_admin(&store, "boss@example.com", None, "rahasia-123", now)
            .await
            .expect("created");
        store
            .write(|conn| {
                conn.execute(
                    "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) \
                     SELECT x'02', id, 0, 9999999999999 FROM users",
                    [],
                )?;
                Ok(())
            })
            .await
            .expect("a session");
        let same = ensure_admin(&store, "boss@example.com", "rahasia-123", now).await;
        assert!(matches!(same, Ok(AdminCreated::Unchanged(_))), "{same:?}");
        assert_eq!(role_and_sessions(&store, "boss@example.com").await.1, 1);
        let other = ensure_admin(&store, "boss@example.com", "another-456", now).await;
        assert!(
            matches!(
                other,
                Ok(AdminCreated::PasswordReset {
                    sessions_ended: 1,
                    ..
                })
            ),
            "{other:?}"
        );
    }

    #[tokio::test]
    async fn a_customers_email_is_refused_and_the_customer_keeps_role_and_sessions() {
        let (_dir, store) = store();
        customer_with_session(&store, "sari@example.com").await;
        let error = create_admin(&store, "sari@example.com", None, "rahasia-123", Utc::now())
            .await
            .expect_err("refused");
        assert_eq!(error.code(), "not_an_admin");
        assert!(
            error
                .to_string()
                .contains("bioskop admin promote --email sari@example.com"),
            "{error}"
        );
        assert_eq!(
            role_and_sessions(&store, "sari@example.com").await,
            ("customer".to_string(), 1)
        );
    }

    #[tokio::test]
    async fn a_weak_password_or_a_bad_email_is_refused_with_the_rule() {
        let (_dir, store) = store();
        let error = create_admin(&store, "boss@example.com", None, "short", Utc::now())
            .await
            .expect_err("refused");
        assert_eq!(error.code(), "invalid_admin");
        assert!(error.to_string().contains("8 to 128 characters"), "{error}");
        let error = create_admin(&store, "boss", None, "rahasia-123", Utc::now())
            .await
            .expect_err("refused");
        assert!(error.to_string().contains("e-mail"), "{error}");
    }

    #[tokio::test]
    async fn promote_makes_an_admin_and_ends_every_session_of_the_account() {
        let (_dir, store) = store();
        customer_with_session(&store, "sari@example.com").await;
        let promoted = promote(&store, "SARI@example.com").await.expect("promoted");
        assert!(
            matches!(
                &promoted,
                Promoted::Promoted { previous: Role::Customer, sessions_ended: 1, user } if user.role == Role::Admin
            ),
            "{promoted:?}"
        );
        assert_eq!(
            role_and_sessions(&store, "sari@example.com").await,
            ("admin".to_string(), 0)
        );
        assert!(matches!(
            promote(&store, "sari@example.com").await,
            Ok(Promoted::AlreadyAdmin(_))
        ));
        let error = promote(&store, "nobody@example.com")
            .await
            .expect_err("unknown");
        assert_eq!(error.code(), "unknown_account");
    }
}
