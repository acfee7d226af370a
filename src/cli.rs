//! The commands of `bioskop` besides serving (`admin create`, `admin
//! promote`, `backup`): each opens the configured database, migrated as a
//! start would, without the HTTP server or the actors, does one thing and
//! says what in one line. A server
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

/// `bioskop backup FILE`: a consistent copy of the live database, made with
/// SQLite's online backup API in one read transaction. In WAL mode a reader
/// never blocks the server's writer, so sales go on while it runs; the copy
/// is what was committed when it began. Written to `FILE.partial` and renamed
/// when complete, so `FILE` is never half a database; an existing `FILE` is
/// refused rather than overwritten.
pub fn backup(settings: &Settings, file: &std::path::Path) -> AppResult<String> {
    use rusqlite::{Connection, OpenFlags};

    use crate::error::AppError;

    if file.exists() {
        return Err(AppError::BadRequest {
            code: "backup_exists",
            detail: format!("{} exists already: name a new file", file.display()),
        });
    }
    let source = Connection::open_with_flags(
        &settings.database.path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    source.busy_timeout(std::time::Duration::from_secs(30))?;
    let mut partial = file.as_os_str().to_owned();
    partial.push(".partial");
    let partial = std::path::PathBuf::from(partial);
    let _ = std::fs::remove_file(&partial);
    let copied = (|| -> AppResult<()> {
        let mut copy = Connection::open(&partial)?;
        let backup = rusqlite::backup::Backup::new(&source, &mut copy)?;
        // All pages in one step: one read transaction, so the copy is one
        // committed state (a step-wise copy restarts whenever the server writes).
        match backup.step(-1)? {
            rusqlite::backup::StepResult::Done => Ok(()),
            other => Err(AppError::Storage(format!(
                "the database was busy; the copy is not complete ({other:?}): try again"
            ))),
        }
    })();
    if let Err(error) = copied {
        let _ = std::fs::remove_file(&partial);
        return Err(error);
    }
    let check: String =
        Connection::open(&partial)?.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if check != "ok" {
        let _ = std::fs::remove_file(&partial);
        return Err(AppError::Internal(format!(
            "the copy fails its integrity check: {check}"
        )));
    }
    std::fs::rename(&partial, file)
        .map_err(|e| AppError::Internal(format!("renaming the copy: {e}")))?;
    let bytes = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    Ok(format!(
        "backed up {} to {} ({} KiB, integrity ok)",
        settings.database.path.display(),
        file.display(),
        bytes / 1024
    ))
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
