//! The accounts the admins manage (DESIGN 4a): door staff (`staff`: check-in
//! and the door page, nothing else) and other admins. Creating one follows
//! the registration rules; a change of role, a disabled account or a new
//! password ends that account's sessions at once (the rows in the same
//! transaction, this process's cache right after). The last active admin is
//! never disabled nor demoted (409 `last_admin`). Every write has its audit
//! row, which never holds a password or a hash; staff and admin sign-ins
//! are recorded too.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Accounts, Registration, Role, User};
use crate::{
    audit::{self, Entry},
    clock::{rfc3339_utc, to_millis},
    error::{AppError, AppResult, FieldError},
    ids::UserId,
};

/// `POST /admin/users`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStaff {
    /// As at registration: printable ASCII, one `@`, a dot in the domain.
    #[schema(
        max_length = 254,
        pattern = r"^[!-?A-~]+@[!--/-?A-~][!-?A-~]*\.[!-?A-~]*[!--/-?A-~]$"
    )]
    pub email: String,
    /// 1 to 100 printable characters.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    pub name: String,
    /// `staff` or `admin`.
    #[schema(schema_with = role_schema)]
    pub role: String,
    /// 8 to 128 characters.
    #[schema(min_length = 8, max_length = 128)]
    pub password: String,
}

/// `PATCH /admin/users/{id}`: what is left out stays; each of the three ends
/// the account's sessions.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[serde(default, deserialize_with = "crate::fields::present")]
    #[schema(schema_with = any_role_schema)]
    pub role: Option<String>,
    #[serde(default, deserialize_with = "crate::fields::present")]
    #[schema(value_type = bool)]
    pub disabled: Option<bool>,
    /// 8 to 128 characters.
    #[serde(default, deserialize_with = "crate::fields::present")]
    #[schema(value_type = String, min_length = 8, max_length = 128)]
    pub password: Option<String>,
}

/// An account as the admins see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StaffAccount {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub phone: Option<String>,
    pub role: Role,
    pub disabled: bool,
    /// UTC.
    pub created_at: String,
}

pub fn role_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::{ObjectBuilder, schema::Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(["staff", "admin"]))
        .into()
}

pub fn any_role_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::{ObjectBuilder, schema::Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(["customer", "staff", "admin"]))
        .into()
}

fn role_named(text: &str, allowed: &[Role]) -> AppResult<Role> {
    allowed
        .iter()
        .copied()
        .find(|r| r.as_str() == text)
        .ok_or_else(|| AppError::Validation {
            code: "invalid_fields",
            detail: format!("`{text}` is not a role that can be given here"),
            errors: vec![FieldError::new(
                "role",
                format!(
                    "must be one of {}",
                    allowed
                        .iter()
                        .map(|r| r.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )],
        })
}

fn account(conn: &Connection, id: UserId) -> AppResult<StaffAccount> {
    conn.prepare_cached(query!("accounts/user_row"))?
        .query_row(params![id], account_from)
        .optional()?
        .ok_or(AppError::NotFound("user"))
}

fn account_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<StaffAccount> {
    let role: String = r.get(4)?;
    Ok(StaffAccount {
        id: r.get(0)?,
        email: r.get(1)?,
        name: r.get(2)?,
        phone: r.get(3)?,
        role: Role::parse(&role),
        disabled: r.get(5)?,
        created_at: rfc3339_utc(r.get(6)?),
    })
}

/// What the audit trail keeps of an account: never its password or hash.
fn audited_view(account: &StaffAccount) -> serde_json::Value {
    json!({
        "email": account.email,
        "name": account.name,
        "role": account.role,
        "disabled": account.disabled,
    })
}

impl Accounts {
    /// Staff and admins (and `also`, the caller, whatever its role).
    pub async fn staff_accounts(&self, also: UserId) -> AppResult<Vec<StaffAccount>> {
        self.inner
            .store
            .read(move |conn| {
                Ok(conn
                    .prepare_cached(query!("accounts/staff_list"))?
                    .query_map(params![also], account_from)?
                    .collect::<Result<_, _>>()?)
            })
            .await
    }

    #[tracing::instrument(skip_all, fields(by = %by))]
    pub async fn create_staff(&self, new: NewStaff, by: UserId) -> AppResult<StaffAccount> {
        let role = role_named(&new.role, &[Role::Staff, Role::Admin]);
        let valid = Registration {
            email: new.email,
            password: new.password,
            name: new.name,
            phone: None,
        }
        .validate();
        let (role, valid) = match (role, valid) {
            (Ok(role), Ok(valid)) => (role, valid),
            (Err(error), _) | (_, Err(error)) => return Err(error),
        };
        let hash = self.hash(valid.password).await?;
        let now = to_millis(self.inner.clock.now());
        self.inner
            .store
            .write(move |conn| {
                let id = super::insert_account(
                    conn,
                    (&valid.email, &hash, &valid.name, None),
                    role,
                    now,
                )?;
                let created = account(conn, id)?;
                let entry = Entry::new(Some(by), "user.create", format!("user:{}", created.id))
                    .after(audited_view(&created));
                audit::record(conn, &entry, now)?;
                Ok(created)
            })
            .await
    }

    /// Changes an account's role, disables or enables it, sets a new
    /// password: any of them ends its sessions at once.
    #[tracing::instrument(skip_all, fields(user_id = %id, by = %by))]
    pub async fn update_staff(
        &self,
        id: UserId,
        patch: UserPatch,
        by: UserId,
    ) -> AppResult<StaffAccount> {
        let role = patch
            .role
            .as_deref()
            .map(|r| role_named(r, &[Role::Customer, Role::Staff, Role::Admin]))
            .transpose()?;
        let hash = match patch.password {
            Some(password) => {
                let count = password.chars().count();
                if !(8..=128).contains(&count) {
                    return Err(AppError::Validation {
                        code: "invalid_fields",
                        detail: "the password must be 8 to 128 characters".into(),
                        errors: vec![FieldError::new("password", "must be 8 to 128 characters")],
                    });
                }
                Some(self.hash(password).await?)
            }
            None => None,
        };
        let disabled = patch.disabled;
        let now = to_millis(self.inner.clock.now());
        // Cached sessions go before the write too (a dropped request future
        // never reaches the purge after it).
        self.forget_sessions_of(id);
        let updated = self
            .inner
            .store
            .write(move |conn| {
                let before = account(conn, id)?;
                let stays_admin = role.unwrap_or(before.role) == Role::Admin
                    && !disabled.unwrap_or(before.disabled);
                if before.role == Role::Admin && !before.disabled && !stays_admin {
                    let others: i64 = conn
                        .prepare_cached(query!("accounts/active_admins_besides"))?
                        .query_row(params![id], |r| r.get(0))?;
                    if others == 0 {
                        return Err(AppError::conflict(
                            "last_admin",
                            "this is the last active admin: make another admin first",
                        ));
                    }
                }
                if let Some(role) = role {
                    conn.prepare_cached(query!("accounts/set_role"))?
                        .execute(params![id, role.as_str()])?;
                }
                if let Some(disabled) = disabled {
                    conn.prepare_cached(query!("accounts/set_disabled"))?
                        .execute(params![id, disabled])?;
                }
                if let Some(hash) = &hash {
                    conn.prepare_cached(query!("accounts/set_password"))?
                        .execute(params![id, hash, None::<String>])?;
                }
                let after = account(conn, id)?;
                let changed = before != after || hash.is_some();
                let sessions_ended = if changed {
                    conn.prepare_cached(query!("accounts/delete_sessions_of_user"))?
                        .execute(params![id])?
                } else {
                    0
                };
                let mut after_view = audited_view(&after);
                if let Some(view) = after_view.as_object_mut() {
                    view.insert("password_changed".into(), json!(hash.is_some()));
                    view.insert("sessions_ended".into(), json!(sessions_ended));
                }
                let entry = Entry::new(Some(by), "user.update", format!("user:{id}"))
                    .before(audited_view(&before))
                    .after(after_view)
                    .changed(changed);
                audit::record(conn, &entry, now)?;
                Ok(after)
            })
            .await;
        // Also when the write failed or this future is dropped midway: a
        // change that committed must not leave a cached session behind.
        self.forget_sessions_of(id);
        updated
    }
}

/// A staff or admin sign-in, for the audit trail (with the client's address;
/// never the password or the token).
pub(super) fn sign_in_entry(user: &User, client: &str) -> Entry {
    Entry::new(Some(user.id), "auth.sign_in", format!("user:{}", user.id))
        .after(json!({"role": user.role, "client": client}))
}

/// `POST /me/password`: the caller's own new password.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    #[schema(min_length = 1, max_length = 128)]
    pub current_password: String,
    /// 8 to 128 characters.
    #[schema(min_length = 8, max_length = 128)]
    pub new_password: String,
}

impl Accounts {
    /// Ends every session of the caller, this one too (a lost phone).
    #[tracing::instrument(skip_all, fields(user_id = %user))]
    pub async fn logout_all(&self, user: UserId) -> AppResult<usize> {
        self.forget_sessions_of(user);
        let ended = self
            .inner
            .store
            .write(move |conn| {
                Ok(conn
                    .prepare_cached(query!("accounts/delete_sessions_of_user"))?
                    .execute(params![user])?)
            })
            .await;
        self.forget_sessions_of(user);
        ended
    }

    /// Sets the caller's new password after checking the current one (as a
    /// sign-in is checked and throttled), and ends every other session.
    #[tracing::instrument(skip_all, fields(user_id = %user))]
    pub async fn change_password(
        &self,
        user: UserId,
        token: &str,
        change: PasswordChange,
        client: &str,
    ) -> AppResult<()> {
        let count = change.new_password.chars().count();
        if !(8..=128).contains(&count) {
            return Err(AppError::Validation {
                code: "invalid_fields",
                detail: "the new password must be 8 to 128 characters".into(),
                errors: vec![FieldError::new(
                    "new_password",
                    "must be 8 to 128 characters",
                )],
            });
        }
        let found: Option<(String, String)> = self
            .inner
            .store
            .read(move |conn| {
                Ok(conn
                    .prepare_cached(query!("accounts/password_of"))?
                    .query_row(params![user], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?)
            })
            .await?;
        let Some((email, hash)) = found else {
            return Err(AppError::Unauthenticated);
        };
        let now = self.inner.clock.now();
        let attempt = self.inner.limiter.begin(&email, client, now)?;
        let current = change.current_password;
        let proved = hash.clone();
        let matches = match self
            .inner
            .hashing
            .run(move |memory| super::verify_blocking_in(memory, &current, Some(&hash)))
            .await
        {
            Ok(matches) => matches,
            // Busy (503): nothing was judged, nothing counts.
            Err(error) => {
                self.inner.limiter.cancel(attempt);
                return Err(error);
            }
        };
        if !matches {
            self.inner.limiter.failed(&attempt);
            return Err(AppError::WrongPassword);
        }
        self.inner.limiter.succeeded(attempt);
        let new_hash = self.hash(change.new_password).await?;
        let keep = super::hash_token(token).to_vec();
        let now_ms = to_millis(now);
        self.forget_sessions_of(user);
        let changed = self
            .inner
            .store
            .write(move |conn| {
                // Only over the password just proved (a reset meanwhile wins).
                let changed = conn
                    .prepare_cached(query!("accounts/set_password_if_unchanged"))?
                    .execute(params![user, new_hash, proved])?;
                if changed == 1 {
                    conn.prepare_cached(query!("accounts/delete_other_sessions"))?
                        .execute(params![user, keep])?;
                    let entry = Entry::new(Some(user), "user.password", format!("user:{user}"))
                        .after(json!({"other_sessions_ended": true}));
                    audit::record(conn, &entry, now_ms)?;
                }
                Ok(changed == 1)
            })
            .await;
        self.forget_sessions_of(user);
        if !changed? {
            return Err(AppError::conflict(
                "password_changed",
                "the password was changed meanwhile: sign in again",
            ));
        }
        Ok(())
    }

    /// Deletes the sessions past their expiry; answers how many. A plain
    /// function the server runs hourly and tests call.
    pub async fn purge_expired_sessions(&self) -> AppResult<usize> {
        let now = to_millis(self.inner.clock.now());
        // Cleanup: in the background lane, never refused under load.
        self.inner
            .store
            .write_in(crate::store::Lane::Background, move |conn| {
                Ok(conn
                    .prepare_cached(query!("accounts/purge_expired_sessions"))?
                    .execute(params![now])?)
            })
            .await
    }

    /// Purges expired sessions every `every` until the task is aborted.
    pub async fn purge_sessions_every(self, every: std::time::Duration) {
        loop {
            tokio::time::sleep(every).await;
            match self.purge_expired_sessions().await {
                Ok(0) => {}
                Ok(purged) => tracing::info!(purged, "expired sessions purged"),
                Err(error) => tracing::warn!(%error, "could not purge expired sessions"),
            }
        }
    }
}
