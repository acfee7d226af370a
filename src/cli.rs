//! The admin commands of `bioskop` (`admin create`, `admin promote`): each
//! opens the configured database, migrated as a start would, without the HTTP
//! server or the actors, does one thing and says what in one line. A server
//! may be running on the same database: SQLite serializes the writes, and that
//! server refuses the sessions a command ended within
//! [`accounts::SESSION_RECHECK`](crate::accounts::SESSION_RECHECK).

use std::io::{BufRead, IsTerminal};

use secrecy::{ExposeSecret, SecretString};

use crate::{
    accounts::admin::{self, AdminCreated, Promoted},
    clock::{Clock, SystemClock},
    config::Settings,
    error::AppResult,
    store::Store,
};

/// `bioskop admin create`: a new admin, or a new password for an admin (its
/// sessions end). Refuses the e-mail of a customer or staff account.
pub async fn admin_create(
    settings: &Settings,
    email: &str,
    name: Option<&str>,
    password: &SecretString,
) -> AppResult<String> {
    let store = open(settings)?;
    let done = admin::create_admin(
        &store,
        email,
        name,
        password.expose_secret(),
        SystemClock.now(),
    )
    .await;
    store.close();
    Ok(match done? {
        AdminCreated::Created(user) => format!(
            "created admin {} ({}): log in with this e-mail and the password just given",
            user.email, user.name
        ),
        AdminCreated::PasswordReset {
            user,
            sessions_ended,
        } => format!(
            "{} already was an admin: its password is now the one just given; {}",
            user.email,
            sessions(sessions_ended)
        ),
        // `create_admin` always sets the password; only the start compares.
        AdminCreated::Unchanged(user) => format!("{} already is an admin", user.email),
    })
}

/// `bioskop admin promote`: makes an existing account an admin and ends all
/// its sessions.
pub async fn admin_promote(settings: &Settings, email: &str) -> AppResult<String> {
    let store = open(settings)?;
    let done = admin::promote(&store, email).await;
    store.close();
    Ok(match done? {
        Promoted::Promoted {
            user,
            previous,
            sessions_ended,
        } => format!(
            "{} ({} until now) is an admin; {}: it logs in again, as an admin",
            user.email,
            previous.as_str(),
            sessions(sessions_ended)
        ),
        Promoted::AlreadyAdmin(user) => {
            format!("{} already is an admin; nothing changed", user.email)
        }
    })
}

/// The new admin's password: typed at the terminal without echo (twice), or
/// the first line of standard input when that is not a terminal.
pub fn read_password(email: &str) -> std::io::Result<SecretString> {
    if std::io::stdin().is_terminal() {
        let first = SecretString::from(rpassword::prompt_password(format!(
            "password for {email}: "
        ))?);
        let again = SecretString::from(rpassword::prompt_password("the same again: ")?);
        if first.expose_secret() != again.expose_secret() {
            return Err(std::io::Error::other("the two passwords differ"));
        }
        return Ok(first);
    }
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line)? == 0 {
        return Err(std::io::Error::other(
            "no password: give it on standard input (one line) or run this at a terminal",
        ));
    }
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    Ok(SecretString::from(password))
}

fn open(settings: &Settings) -> AppResult<Store> {
    Store::open(&settings.database.path, settings.database.synchronous)
}

fn sessions(ended: usize) -> String {
    match ended {
        0 => "it had no session open".to_string(),
        1 => "its one session is ended".to_string(),
        n => format!("its {n} sessions are ended"),
    }
}
