#![allow(clippy::unwrap_used, clippy::indexing_slicing)]
//! The command line of the real binary: `bioskop admin create|promote` on the
//! configured database, beside (or before) a running `bioskop --config F`; and
//! the demo bootstrap, which never promotes and never prints a configured
//! password. No RabbitMQ, no SMTP: the embedded queue and `.eml` files.

use std::{
    io::{BufRead, BufReader, Read, Write},
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    sync::{Arc, Mutex},
    thread::JoinHandle,
    time::{Duration, Instant},
};

use bioskop::{accounts::SESSION_RECHECK, app::Application, testkit::TestApp};
use secrecy::SecretString;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_bioskop");

/// A temporary folder with a config file pointing the database and the mail
/// folder into it.
struct Setup {
    dir: tempfile::TempDir,
    config: PathBuf,
}

fn setup(extra: &str) -> Setup {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("bioskop.toml");
    let text = format!(
        r#"mode = "demo"

[http]
bind = "127.0.0.1:0"
workers = 1

[database]
path = {db:?}

[mail]
dir = {mail:?}

[demo]
seed_on_empty = false

[scheduler]
sweep_cron = ""

{extra}
"#,
        db = dir.path().join("bioskop.db").display().to_string(),
        mail = dir.path().join("mail").display().to_string(),
    );
    std::fs::write(&config, text).expect("write the config");
    Setup { dir, config }
}

impl Setup {
    fn db(&self) -> rusqlite::Connection {
        read_only(&self.dir.path().join("bioskop.db"))
    }
}

fn read_only(path: &Path) -> rusqlite::Connection {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open the database");
    conn.busy_timeout(Duration::from_secs(5)).expect("busy");
    conn
}

/// The binary with only the config file (no BIOSKOP__ variables of the caller).
fn command(config: &Path) -> Command {
    let mut command = Command::new(BIN);
    command.arg("--config").arg(config);
    for (name, _) in std::env::vars() {
        if name.starts_with("BIOSKOP__") {
            command.env_remove(name);
        }
    }
    command
}

/// Runs `bioskop --config F <args>` with `stdin` as its standard input.
fn run(config: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = command(config)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the bioskop binary starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("it ends")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

struct Server {
    child: Child,
    base: String,
    /// Everything printed so far, stdout and stderr.
    output: Arc<Mutex<String>>,
    drains: Vec<JoinHandle<()>>,
}

impl Drop for Server {
    /// A failing test must not leave a server running.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Stops the server and answers everything it printed.
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for drain in self.drains.drain(..) {
            let _ = drain.join();
        }
        self.output.lock().unwrap().clone()
    }
}

/// `bioskop --config F` (no subcommand: serve), until it says it is ready.
fn start(config: &Path, rust_log: &str) -> Server {
    let mut child = command(config)
        .env("RUST_LOG", rust_log)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the bioskop binary starts");
    let output = Arc::new(Mutex::new(String::new()));
    let mut stderr = child.stderr.take().expect("stderr");
    let errors = output.clone();
    let stderr_drain = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        errors.lock().unwrap().push_str(&text);
    });
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut base = None;
    for line in lines.by_ref() {
        let line = line.expect("a banner line");
        output.lock().unwrap().push_str(&format!("{line}\n"));
        if let Some(address) = line.strip_prefix("bioskop is listening on ") {
            base = address.split_whitespace().next().map(str::to_string);
        }
        if line.trim().starts_with("ready") {
            break;
        }
    }
    // Keep draining stdout so the server never blocks on a full pipe.
    let printed = output.clone();
    let stdout_drain = std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            printed.lock().unwrap().push_str(&format!("{line}\n"));
        }
    });
    let Some(base) = base else {
        let _ = child.kill();
        let _ = child.wait();
        let _ = stderr_drain.join();
        panic!(
            "the server did not start:\n{}",
            output.lock().unwrap().clone()
        );
    };
    Server {
        child,
        base,
        output,
        drains: vec![stdout_drain, stderr_drain],
    }
}

async fn post(http: &reqwest::Client, url: String, body: Value) -> (u16, Value) {
    let response = http.post(url).json(&body).send().await.expect("answer");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn get(http: &reqwest::Client, url: String, token: &str) -> (u16, Value) {
    let response = http
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("answer");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn register(http: &reqwest::Client, base: &str, email: &str, password: &str) -> String {
    let (status, body) = post(
        http,
        format!("{base}/api/v1/auth/register"),
        json!({"email": email, "password": password, "name": "Sari"}),
    )
    .await;
    assert_eq!(status, 201, "registered: {body}");
    body["token"].as_str().expect("a token").to_string()
}

async fn login(http: &reqwest::Client, base: &str, email: &str, password: &str) -> (u16, Value) {
    post(
        http,
        format!("{base}/api/v1/auth/login"),
        json!({"email": email, "password": password}),
    )
    .await
}

/// role, password hash and session count of the account with `email`.
fn account(conn: &rusqlite::Connection, email: &str) -> (String, String, i64) {
    conn.query_row(
        "SELECT role, password_hash, (SELECT COUNT(*) FROM sessions s WHERE s.user_id = u.id) \
         FROM users u WHERE email = ?1",
        [email],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .expect("the account")
}

#[actix_web::test]
async fn an_admin_created_on_the_command_line_with_the_password_on_stdin_logs_in_over_http_as_admin()
 {
    let setup = setup("");
    let created = run(
        &setup.config,
        &[
            "admin",
            "create",
            "--email",
            "Boss@Example.com",
            "--name",
            "Bu Ani",
        ],
        "rahasia-admin-1\n",
    );
    let stdout = text(&created.stdout);
    assert!(
        created.status.success(),
        "{stdout}{}",
        text(&created.stderr)
    );
    assert_eq!(stdout.lines().count(), 1, "one line: {stdout}");
    assert!(
        stdout.contains("created admin boss@example.com (Bu Ani)"),
        "{stdout}"
    );
    assert!(!stdout.contains("rahasia-admin-1"), "{stdout}");

    let server = start(&setup.config, "warn");
    let http = reqwest::Client::new();
    let (status, session) = login(&http, &server.base, "boss@example.com", "rahasia-admin-1").await;
    assert_eq!(status, 200, "{session}");
    let token = session["token"].as_str().expect("token");
    let (status, me) = get(&http, format!("{}/api/v1/me", server.base), token).await;
    assert_eq!(status, 200);
    assert_eq!(me["role"], "admin");
    assert_eq!(me["name"], "Bu Ani");
    let (status, _) = get(&http, format!("{}/api/v1/admin/alerts", server.base), token).await;
    assert_eq!(status, 200);
}

#[actix_web::test]
async fn admin_create_for_a_customers_email_is_refused_and_the_customer_keeps_role_password_and_sessions()
 {
    let setup = setup("");
    let server = start(&setup.config, "warn");
    let http = reqwest::Client::new();
    let token = register(&http, &server.base, "sari@example.com", "customer-pass-1").await;
    let (_, me) = get(&http, format!("{}/api/v1/me", server.base), &token).await;
    assert_eq!(me["role"], "customer");
    let before = account(&setup.db(), "sari@example.com");

    // Beside the running server, on its database.
    let refused = run(
        &setup.config,
        &["admin", "create", "--email", "sari@example.com"],
        "attacker-pass-1\n",
    );
    let stderr = text(&refused.stderr);
    assert!(!refused.status.success(), "refused: {stderr}");
    assert!(text(&refused.stdout).is_empty());
    assert!(stderr.contains("customer account"), "{stderr}");
    assert!(
        stderr.contains("bioskop admin promote --email sari@example.com"),
        "says how to promote deliberately: {stderr}"
    );

    assert_eq!(account(&setup.db(), "sari@example.com"), before);
    // Past the server's session cache: still the same customer session.
    tokio::time::sleep(SESSION_RECHECK + Duration::from_millis(200)).await;
    let (status, me) = get(&http, format!("{}/api/v1/me", server.base), &token).await;
    assert_eq!(status, 200);
    assert_eq!(me["role"], "customer");
    let (status, _) = get(
        &http,
        format!("{}/api/v1/admin/alerts", server.base),
        &token,
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = login(&http, &server.base, "sari@example.com", "attacker-pass-1").await;
    assert_eq!(status, 401, "the refused password logs nobody in");
    let (status, session) = login(&http, &server.base, "sari@example.com", "customer-pass-1").await;
    assert_eq!(status, 200);
    assert_eq!(session["user"]["role"], "customer");
}

#[actix_web::test]
async fn admin_promote_makes_the_customer_an_admin_and_their_old_token_stops_working_on_the_running_server()
 {
    let setup = setup("");
    let server = start(&setup.config, "warn");
    let http = reqwest::Client::new();
    let token = register(&http, &server.base, "sari@example.com", "customer-pass-1").await;
    // Used once, so the running server has it cached as a customer's.
    let (_, me) = get(&http, format!("{}/api/v1/me", server.base), &token).await;
    assert_eq!(me["role"], "customer");

    let promoted = run(
        &setup.config,
        &["admin", "promote", "--email", "sari@example.com"],
        "",
    );
    let stdout = text(&promoted.stdout);
    assert!(
        promoted.status.success(),
        "{stdout}{}",
        text(&promoted.stderr)
    );
    assert!(
        stdout.contains("sari@example.com (customer until now) is an admin"),
        "{stdout}"
    );
    assert!(stdout.contains("its one session is ended"), "{stdout}");
    let (role, _, sessions) = account(&setup.db(), "sari@example.com");
    assert_eq!((role.as_str(), sessions), ("admin", 0));

    // The server refuses the old token once its cache checks the row again
    // (SESSION_RECHECK, 2 s), never later than this.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (status, me) = get(&http, format!("{}/api/v1/me", server.base), &token).await;
        if status == 401 {
            break;
        }
        assert_eq!(me["role"], "customer", "never an admin on the old session");
        assert!(
            Instant::now() < deadline,
            "the old token still works after {SESSION_RECHECK:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (status, _) = get(
        &http,
        format!("{}/api/v1/admin/alerts", server.base),
        &token,
    )
    .await;
    assert_eq!(status, 401);
    let (status, session) = login(&http, &server.base, "sari@example.com", "customer-pass-1").await;
    assert_eq!(status, 200);
    assert_eq!(session["user"]["role"], "admin");
}

#[actix_web::test]
async fn a_weak_or_missing_password_is_refused_and_no_admin_is_made() {
    let setup = setup("");
    let weak = run(
        &setup.config,
        &["admin", "create", "--email", "boss@example.com"],
        "short\n",
    );
    let stderr = text(&weak.stderr);
    assert!(!weak.status.success(), "{stderr}");
    assert!(stderr.contains("8 to 128 characters"), "{stderr}");
    let missing = run(
        &setup.config,
        &["admin", "create", "--email", "boss@example.com"],
        "",
    );
    assert!(!missing.status.success());
    assert!(
        text(&missing.stderr).contains("no password"),
        "{}",
        text(&missing.stderr)
    );
    let users: i64 = setup
        .db()
        .query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))
        .unwrap();
    assert_eq!(users, 0);
}

#[actix_web::test]
async fn admin_create_for_an_existing_admin_sets_the_new_password_and_ends_its_sessions() {
    let setup = setup("");
    let first = run(
        &setup.config,
        &["admin", "create", "--email", "boss@example.com"],
        "first-password-1\n",
    );
    assert!(first.status.success(), "{}", text(&first.stderr));
    let server = start(&setup.config, "warn");
    let http = reqwest::Client::new();
    let (status, session) =
        login(&http, &server.base, "boss@example.com", "first-password-1").await;
    assert_eq!(status, 200);
    let old = session["token"].as_str().expect("token").to_string();

    let reset = run(
        &setup.config,
        &["admin", "create", "--email", "boss@example.com"],
        "second-password-2\r\n",
    );
    let stdout = text(&reset.stdout);
    assert!(reset.status.success(), "{}", text(&reset.stderr));
    assert!(
        stdout.contains("boss@example.com already was an admin")
            && stdout.contains("its one session is ended"),
        "{stdout}"
    );
    let (status, _) = login(&http, &server.base, "boss@example.com", "first-password-1").await;
    assert_eq!(status, 401);
    let (status, _) = login(&http, &server.base, "boss@example.com", "second-password-2").await;
    assert_eq!(status, 200);
    tokio::time::sleep(SESSION_RECHECK + Duration::from_millis(200)).await;
    let (status, _) = get(&http, format!("{}/api/v1/me", server.base), &old).await;
    assert_eq!(status, 401);
}

#[actix_web::test]
async fn the_demo_bootstrap_over_a_pre_registered_email_does_not_promote_it() {
    let app = TestApp::spawn().await;
    let http = reqwest::Client::new();
    register(&http, &app.address, "early@example.com", "early-bird-1").await;
    let before = account(&app.db(), "early@example.com");
    let (mut settings, clock, dir) = app.stop().await;

    settings.admin.email = "Early@Example.com".into();
    settings.admin.password = SecretString::from("configured-admin-1");
    let error = Application::build(settings, Arc::new(clock))
        .await
        .err()
        .expect("the start is refused");
    let message = format!("{error:#}");
    assert!(
        message.contains("admin.email")
            && message.contains("early@example.com")
            && message.contains("customer account")
            && message.contains("bioskop admin promote --email early@example.com"),
        "{message}"
    );
    assert!(!message.contains("configured-admin-1"), "{message}");
    assert_eq!(
        account(
            &read_only(&dir.path().join("bioskop.db")),
            "early@example.com"
        ),
        before,
        "the account is exactly as it was"
    );
}

#[actix_web::test]
async fn a_configured_admin_password_is_never_printed_on_start() {
    let password = "configured-Secret-42";
    let setup = setup(&format!(
        "[admin]\nemail = \"boss@example.com\"\npassword = \"{password}\"\n"
    ));
    let server = start(&setup.config, "debug");
    let http = reqwest::Client::new();
    let (status, _) = login(&http, &server.base, "boss@example.com", password).await;
    assert_eq!(status, 200, "the configured admin exists");
    let output = server.stop();
    assert!(
        output.contains("admin login: boss@example.com (password from the configuration)"),
        "{output}"
    );
    assert!(!output.contains(password), "{output}");
}

/// `bioskop backup FILE` beside a running server: a checked copy that opens
/// and holds what the server wrote; a second backup to the same file is
/// refused and leaves it as it was.
#[actix_web::test]
async fn backup_copies_the_live_database_beside_a_running_server_and_never_overwrites() {
    let setup = setup("");
    let server = start(&setup.config, "warn");
    let http = reqwest::Client::new();
    let token = register(&http, &server.base, "ani@example.com", "correct horse").await;
    assert!(!token.is_empty());

    let file = setup.dir.path().join("nightly.db");
    let done = run(&setup.config, &["backup", file.to_str().unwrap()], "");
    assert!(done.status.success(), "{}", text(&done.stderr));
    assert!(
        text(&done.stdout).contains("integrity ok"),
        "{}",
        text(&done.stdout)
    );
    let copy = read_only(&file);
    let check: String = copy
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let users: i64 = copy
        .query_row(
            "SELECT COUNT(*) FROM users WHERE email = 'ani@example.com'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(users, 1, "what the server wrote is in the copy");

    let size = std::fs::metadata(&file).unwrap().len();
    let again = run(&setup.config, &["backup", file.to_str().unwrap()], "");
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("exists"),
        "{}",
        text(&again.stderr)
    );
    assert_eq!(std::fs::metadata(&file).unwrap().len(), size);
    server.stop();
}
