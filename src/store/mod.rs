//! SQLite persistence. One writer thread owns the only writing connection and
//! commits writes in groups: every write waiting when a transaction starts
//! joins it, each inside its own savepoint, and each caller is answered only
//! after the group's COMMIT is durable. So `synchronous=FULL` (power-loss safe)
//! costs one fsync per group rather than one per request, and writers never
//! contend for SQLite's lock. Reads use a small pool of connections on
//! blocking threads (WAL lets them run beside the writer).

use std::{
    collections::VecDeque,
    panic::AssertUnwindSafe,
    path::{Path, PathBuf},
    sync::{Arc, Mutex, mpsc},
    thread::JoinHandle,
    time::Instant,
};

use include_dir::{Dir, include_dir};
use rusqlite::Connection;
use rusqlite_migration::Migrations;
use tokio::sync::oneshot;

use crate::{
    config::Synchronous,
    error::{AppError, AppResult},
};

static MIGRATIONS: Dir = include_dir!("$CARGO_MANIFEST_DIR/sql/migrations");

/// Interactive writes that join one transaction at most.
const MAX_GROUP: usize = 1024;
/// Background work a group takes on after its interactive writes: bulk work
/// (a sweep expiring 100,000 holds) is spread over many groups, so the
/// customers' writes queued behind it wait milliseconds, not seconds.
const BACKGROUND_BUDGET: std::time::Duration = std::time::Duration::from_millis(2);

/// Which queue a write waits in. Writes in one lane keep their order; an
/// interactive write may overtake background ones, so a writer that needs
/// its writes ordered must keep them in one lane (see the showtime actor).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    Interactive,
    Background,
}

type Queued = (Lane, Box<dyn Job>);
/// Idle read connections kept for reuse.
const MAX_IDLE_READERS: usize = 8;

#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    synchronous: Synchronous,
    writer: Mutex<Option<mpsc::Sender<Queued>>>,
    /// Interactive writes queued and not yet begun, and how many may be: a
    /// customer write beyond it gets 503 `overloaded` at once instead of
    /// growing the queue (background writes always queue: they wait).
    queued_interactive: Arc<std::sync::atomic::AtomicUsize>,
    max_interactive: std::sync::atomic::AtomicUsize,
    writer_thread: Mutex<Option<JoinHandle<()>>>,
    readers: Mutex<Vec<Connection>>,
}

/// One write waiting for the writer thread.
trait Job: Send {
    /// Runs the write inside its savepoint; false rolls the savepoint back.
    fn run(&mut self, conn: &Connection) -> bool;
    /// Answers the caller once the group's fate is known.
    fn finish(self: Box<Self>, committed: Result<(), String>);
}

struct WriteJob<T, F> {
    work: Option<F>,
    result: Option<AppResult<T>>,
    reply: oneshot::Sender<AppResult<T>>,
}

impl<T, F> Job for WriteJob<T, F>
where
    T: Send + 'static,
    F: FnOnce(&Connection) -> AppResult<T> + Send + 'static,
{
    fn run(&mut self, conn: &Connection) -> bool {
        let Some(work) = self.work.take() else {
            return false;
        };
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| work(conn)))
            .unwrap_or_else(|_| Err(AppError::Internal("a database write panicked".into())));
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn finish(self: Box<Self>, committed: Result<(), String>) {
        let answer = match committed {
            Ok(()) => self
                .result
                .unwrap_or_else(|| Err(AppError::Storage("the write did not run".into()))),
            Err(error) => Err(AppError::Storage(error)),
        };
        // The caller may have gone away (a dropped request); nothing to do then.
        let _ = self.reply.send(answer);
    }
}

impl Store {
    /// Opens (creating when missing) the database, applies migrations and
    /// starts the writer thread.
    pub fn open(path: &Path, synchronous: Synchronous) -> AppResult<Store> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| {
                AppError::Storage(format!("cannot create {}: {e}", parent.display()))
            })?;
        }
        let mut conn = open_connection(path, synchronous)?;
        migrate(&mut conn)
            .map_err(|e| AppError::Storage(format!("migrating {}: {e}", path.display())))?;

        let (sender, receiver) = mpsc::channel::<Queued>();
        let queued_interactive = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let begun = queued_interactive.clone();
        let thread = std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || write_loop(conn, receiver, begun))
            .map_err(|e| AppError::Internal(format!("cannot start the writer thread: {e}")))?;
        Ok(Store {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                synchronous,
                writer: Mutex::new(Some(sender)),
                queued_interactive,
                max_interactive: std::sync::atomic::AtomicUsize::new(usize::MAX),
                writer_thread: Mutex::new(Some(thread)),
                readers: Mutex::new(Vec::new()),
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Bounds the interactive writes waiting for the writer
    /// (`database.max_queued_writes`).
    pub fn limit_queued_writes(&self, max: usize) {
        self.inner
            .max_interactive
            .store(max.max(1), std::sync::atomic::Ordering::Relaxed);
    }

    pub fn synchronous(&self) -> Synchronous {
        self.inner.synchronous
    }

    /// Queues an interactive write now (so writes keep the order they were
    /// submitted in) and returns a future that resolves once it is committed.
    pub fn write<T, F>(&self, work: F) -> impl Future<Output = AppResult<T>> + use<T, F>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> AppResult<T> + Send + 'static,
    {
        self.write_in(Lane::Interactive, work)
    }

    /// Queues a write in `lane`; see [`Lane`].
    pub fn write_in<T, F>(
        &self,
        lane: Lane,
        work: F,
    ) -> impl Future<Output = AppResult<T>> + use<T, F>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> AppResult<T> + Send + 'static,
    {
        use std::sync::atomic::Ordering;

        let (reply, answer) = oneshot::channel();
        let job = Box::new(WriteJob {
            work: Some(work),
            result: None,
            reply,
        });
        let counted = lane == Lane::Interactive;
        let full = counted
            && self.inner.queued_interactive.fetch_add(1, Ordering::SeqCst)
                >= self.inner.max_interactive.load(Ordering::Relaxed);
        let queued = !full
            && match self.inner.writer.lock() {
                Ok(writer) => match writer.as_ref() {
                    Some(sender) => sender.send((lane, job)).is_ok(),
                    None => false,
                },
                Err(_) => false,
            };
        if counted && !queued {
            self.inner.queued_interactive.fetch_sub(1, Ordering::SeqCst);
        }
        async move {
            if full {
                return Err(AppError::Overloaded {
                    retry_after_secs: 1,
                });
            }
            if !queued {
                return Err(AppError::Storage("the database is closed".into()));
            }
            answer
                .await
                .unwrap_or_else(|_| Err(AppError::Storage("the writer stopped".into())))
        }
    }

    /// Runs a read on a blocking thread with a pooled connection.
    pub async fn read<T, F>(&self, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> AppResult<T> + Send + 'static,
    {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.read_blocking(work))
            .await
            .map_err(|e| AppError::Internal(format!("a read task failed: {e}")))?
    }

    /// Runs a read on the current thread; for code already off the async threads.
    pub fn read_blocking<T>(&self, work: impl FnOnce(&Connection) -> AppResult<T>) -> AppResult<T> {
        let pooled = self.inner.readers.lock().ok().and_then(|mut r| r.pop());
        let conn = match pooled {
            Some(conn) => conn,
            None => open_connection(&self.inner.path, self.inner.synchronous)?,
        };
        let result = work(&conn);
        if let Ok(mut readers) = self.inner.readers.lock()
            && readers.len() < MAX_IDLE_READERS
        {
            readers.push(conn);
        }
        result
    }

    /// Lets queued writes finish, then stops the writer. Later writes fail.
    pub fn close(&self) {
        // Later writes must fail, even past a poisoned lock.
        lock_for_shutdown(&self.inner.writer).take();
        let thread = lock_for_shutdown(&self.inner.writer_thread).take();
        if let Some(thread) = thread {
            let _ = thread.join();
        }
        if let Ok(mut readers) = self.inner.readers.lock() {
            readers.clear();
        }
    }
}

/// Takes a lock on a shutdown path, where stopping must go ahead even after
/// a panic poisoned it (what the lock guards is only being dropped).
pub fn lock_for_shutdown<T>(lock: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    lock.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A random value of `len` bytes made once and kept in the database under
/// `name` (signing keys, the installation's id).
pub async fn secret(store: &Store, name: &'static str, len: usize) -> AppResult<Vec<u8>> {
    let fresh: Vec<u8> = (0..len).map(|_| rand::random::<u8>()).collect();
    store
        .write(move |conn| {
            conn.execute(
                include_str!("../../sql/queries/store/secret_insert.sql"),
                rusqlite::params![name, fresh],
            )?;
            Ok(conn.query_row(
                include_str!("../../sql/queries/store/secret_get.sql"),
                rusqlite::params![name],
                |r| r.get(0),
            )?)
        })
        .await
}

/// Applies the migrations with foreign keys off, as SQLite's procedure for
/// rebuilding a table requires (a migration may drop a table others refer
/// to and rename its copy into place; see `10-offers`), then checks every
/// reference before turning them back on: a migration that broke one fails.
fn migrate(conn: &mut Connection) -> Result<(), String> {
    let migrations = Migrations::from_directory(&MIGRATIONS)
        .map_err(|e| format!("migrations are malformed: {e}"))?;
    let pending = migrations
        .pending_migrations(conn)
        .map_err(|e| e.to_string())?;
    if pending == 0 {
        // Nothing to migrate: no check of every reference at each start.
        return Ok(());
    }
    conn.pragma_update(None, "foreign_keys", "OFF")
        .map_err(|e| e.to_string())?;
    let migrated = migrations.to_latest(conn).map_err(|e| e.to_string());
    let broken: Vec<String> = conn
        .prepare("PRAGMA foreign_key_check")
        .and_then(|mut check| {
            check
                .query_map([], |r| {
                    Ok(format!(
                        "{} row {:?} -> {}",
                        r.get::<_, String>(0)?,
                        r.get::<_, Option<i64>>(1)?,
                        r.get::<_, String>(2)?
                    ))
                })?
                .collect()
        })
        .map_err(|e| e.to_string())?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(|e| e.to_string())?;
    migrated?;
    if !broken.is_empty() {
        return Err(format!(
            "broken references after migrating: {}",
            broken.join(", ")
        ));
    }
    Ok(())
}

fn open_connection(path: &Path, synchronous: Synchronous) -> AppResult<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", synchronous.pragma_value())?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

fn write_loop(
    conn: Connection,
    jobs: mpsc::Receiver<Queued>,
    queued_interactive: Arc<std::sync::atomic::AtomicUsize>,
) {
    let mut interactive: VecDeque<Box<dyn Job>> = VecDeque::new();
    let mut background: VecDeque<Box<dyn Job>> = VecDeque::new();
    let enqueue = |(lane, job): Queued, i: &mut VecDeque<_>, b: &mut VecDeque<_>| match lane {
        Lane::Interactive => i.push_back(job),
        Lane::Background => b.push_back(job),
    };
    loop {
        if interactive.is_empty() && background.is_empty() {
            match jobs.recv() {
                Ok(queued) => enqueue(queued, &mut interactive, &mut background),
                Err(_) => break,
            }
        }
        while let Ok(queued) = jobs.try_recv() {
            enqueue(queued, &mut interactive, &mut background);
        }
        let take = interactive.len().min(MAX_GROUP);
        let mut group: Vec<Box<dyn Job>> = interactive.drain(..take).collect();
        // These leave the queue: room for as many new customer writes.
        queued_interactive.fetch_sub(group.len(), std::sync::atomic::Ordering::SeqCst);
        let outcome = run_group(&conn, &mut group, &mut background);
        if outcome.is_err() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        for job in group {
            job.finish(outcome.clone());
        }
    }
}

/// Runs every interactive write of the group, then background writes until
/// their time budget is spent, all in one transaction.
fn run_group(
    conn: &Connection,
    group: &mut Vec<Box<dyn Job>>,
    background: &mut VecDeque<Box<dyn Job>>,
) -> Result<(), String> {
    conn.execute_batch("BEGIN IMMEDIATE")
        .map_err(|e| e.to_string())?;
    for job in group.iter_mut() {
        run_in_savepoint(conn, job)?;
    }
    let started = Instant::now();
    while let Some(job) = background.pop_front() {
        group.push(job);
        if let Some(job) = group.last_mut() {
            run_in_savepoint(conn, job)?;
        }
        if started.elapsed() >= BACKGROUND_BUDGET {
            break;
        }
    }
    conn.execute_batch("COMMIT").map_err(|e| e.to_string())
}

fn run_in_savepoint(conn: &Connection, job: &mut Box<dyn Job>) -> Result<(), String> {
    conn.execute_batch("SAVEPOINT write")
        .map_err(|e| e.to_string())?;
    if !job.run(conn) {
        conn.execute_batch("ROLLBACK TO write")
            .map_err(|e| e.to_string())?;
    }
    conn.execute_batch("RELEASE write")
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_db() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("t.db"), Synchronous::Full).expect("open");
        (dir, store)
    }

    /// Migration 10 rebuilds three tables that others refer to: a database
    /// of the release before keeps every row, every reference, and its ids.
    #[test]
    fn the_offer_migration_keeps_every_booking_refund_and_ticket_of_an_older_database() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("old.db");
        {
            let mut conn = open_connection(&path, Synchronous::Full).expect("open");
            let migrations = Migrations::from_directory(&MIGRATIONS).expect("migrations");
            migrations
                .to_version(&mut conn, 9)
                .expect("the schema of release 9");
            conn.execute_batch(
                "INSERT INTO cities (id, name) VALUES (1, 'Makassar');
                 INSERT INTO cinemas (id, city_id, name, address) VALUES (1, 1, 'XXI', 'Jl. A');
                 INSERT INTO auditoriums (id, cinema_id, name) VALUES (1, 1, 'Studio 1');
                 INSERT INTO movies (id, title, duration_minutes, rating) VALUES (1, 'Film', 90, 'SU');
                 INSERT INTO showtimes (id, movie_id, auditorium_id, starts_at, ends_at) VALUES (1, 1, 1, 10, 20);
                 INSERT INTO users (id, email, password_hash, name, created_at) VALUES (1, 'a@b.c', 'x', 'A', 1);
                 INSERT INTO bookings (id, showtime_id, user_id, status, created_at, expires_at, updated_at)
                   VALUES ('b1', 1, 1, 'refunded', 1, 2, 3);
                 INSERT INTO booking_seats (booking_id, seat_id, class, price, position) VALUES ('b1', 'A1', 'regular', 50, 0);
                 INSERT INTO payments (id, booking_id, provider, amount, currency, status, created_at, expires_at)
                   VALUES ('p1', 'b1', 'sandbox', 50, 'IDR', 'succeeded', 1, 2);
                 INSERT INTO tickets (id, booking_id, showtime_id, seat_id, user_id, payment_id, price, purchased_at, status, checkin_code)
                   VALUES ('t1', 'b1', 1, 'A1', 1, 'p1', 50, 1, 'refunded', 'code');
                 INSERT INTO refunds (id, payment_id, booking_id, user_id, showtime_id, amount, currency, reason, status,
                                      attempts, idempotency_key, created_at, updated_at)
                   VALUES ('r1', 'p1', 'b1', 1, 1, 50, 'IDR', 'showtime_cancelled', 'retrying', 2, 'refund-p1', 1, 2);
                 INSERT INTO refund_attempts (refund_id, attempt, at, outcome) VALUES ('r1', 1, 1, 'transient_error');",
            )
            .expect("rows of release 9");
        }
        let store = Store::open(&path, Synchronous::Full).expect("migrated");
        let rows = store
            .read_blocking(|conn| {
                Ok(conn.query_row(
                    "SELECT b.status, t.status, r.status, r.attempts, a.outcome, bs.price
                     FROM bookings b JOIN tickets t ON t.booking_id = b.id
                     JOIN refunds r ON r.booking_id = b.id JOIN refund_attempts a ON a.refund_id = r.id
                     JOIN booking_seats bs ON bs.booking_id = b.id WHERE b.id = 'b1'",
                    [],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, i64>(3)?,
                            r.get::<_, String>(4)?,
                            r.get::<_, i64>(5)?,
                        ))
                    },
                )?)
            })
            .expect("the old rows");
        assert_eq!(
            rows,
            (
                "refunded".into(),
                "refunded".into(),
                "retrying".into(),
                2,
                "transient_error".into(),
                50
            )
        );
        // The new states are allowed, and references are enforced again.
        store
            .read_blocking(|conn| {
                conn.execute("UPDATE refunds SET status = 'offered' WHERE id = 'r1'", [])?;
                conn.execute("UPDATE bookings SET status = 'moved' WHERE id = 'b1'", [])?;
                conn.execute("UPDATE tickets SET status = 'moved' WHERE id = 't1'", [])?;
                let orphan = conn.execute(
                    "INSERT INTO booking_seats (booking_id, seat_id, class, price, position) VALUES ('nobody', 'A2', 'r', 1, 0)",
                    [],
                );
                assert!(orphan.is_err(), "foreign keys are on after migrating");
                Ok(())
            })
            .expect("new states");
    }

    #[actix_web::test]
    async fn a_failed_write_does_not_undo_the_writes_grouped_with_it() {
        let (_dir, store) = temp_db();
        let first = store.write(|c| {
            c.execute("INSERT INTO cities (name) VALUES ('Jakarta')", [])?;
            Ok(())
        });
        let failing = store.write(|c| {
            c.execute("INSERT INTO cities (name) VALUES ('Bandung')", [])?;
            Err::<(), _>(AppError::conflict("nope", "rolled back"))
        });
        let last = store.write(|c| {
            c.execute("INSERT INTO cities (name) VALUES ('Surabaya')", [])?;
            Ok(())
        });
        assert!(first.await.is_ok());
        assert_eq!(failing.await.err().map(|e| e.code()), Some("nope"));
        assert!(last.await.is_ok());
        let names: Vec<String> = store
            .read(|c| {
                let mut stmt = c.prepare("SELECT name FROM cities ORDER BY id")?;
                let rows = stmt.query_map([], |r| r.get(0))?;
                Ok(rows.collect::<Result<_, _>>()?)
            })
            .await
            .expect("read");
        assert_eq!(names, vec!["Jakarta", "Surabaya"]);
    }

    #[actix_web::test]
    async fn interactive_writes_overtake_queued_background_work_which_still_completes() {
        let (_dir, store) = temp_db();
        // Occupy the writer so everything below queues up behind it.
        let (release, blocked) = std::sync::mpsc::channel::<()>();
        let gate = store.write(move |_| {
            let _ = blocked.recv();
            Ok(())
        });
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut background = Vec::new();
        for i in 0..3 {
            let order = order.clone();
            background.push(store.write_in(Lane::Background, move |_| {
                if let Ok(mut o) = order.lock() {
                    o.push(format!("background {i}"));
                }
                Ok(())
            }));
        }
        let seen = order.clone();
        let interactive = store.write(move |_| {
            if let Ok(mut o) = seen.lock() {
                o.push("interactive".to_string());
            }
            Ok(())
        });
        let _ = release.send(());
        gate.await.expect("gate");
        interactive.await.expect("interactive");
        for write in background {
            write.await.expect("background");
        }
        let order = order.lock().map(|o| o.clone()).unwrap_or_default();
        assert_eq!(
            order,
            [
                "interactive",
                "background 0",
                "background 1",
                "background 2"
            ]
        );
    }

    #[actix_web::test]
    async fn beyond_the_queue_bound_an_interactive_write_is_overloaded_and_a_background_one_waits()
    {
        let (_dir, store) = temp_db();
        store.limit_queued_writes(2);
        // The writer is busy with this one: the next writes queue.
        let (release, blocked) = std::sync::mpsc::channel::<()>();
        let (started, running) = std::sync::mpsc::channel::<()>();
        let gate = store.write(move |_| {
            let _ = started.send(());
            let _ = blocked.recv();
            Ok(())
        });
        let _ = running.recv();
        let first = store.write(|_| Ok(1));
        let second = store.write(|_| Ok(2));
        let refused = store.write(|_| Ok(3)).await;
        assert_eq!(refused.err().map(|e| e.code()), Some("overloaded"));
        let background = store.write_in(Lane::Background, |_| Ok(4));
        let _ = release.send(());
        gate.await.expect("gate");
        assert_eq!(first.await.ok(), Some(1));
        assert_eq!(second.await.ok(), Some(2));
        assert_eq!(background.await.ok(), Some(4));
        // The queue drained: room again.
        assert_eq!(store.write(|_| Ok(5)).await.ok(), Some(5));
    }

    #[actix_web::test]
    async fn writes_after_close_fail_instead_of_vanishing() {
        let (_dir, store) = temp_db();
        store.close();
        let result = store.write(|_| Ok(())).await;
        assert_eq!(result.err().map(|e| e.code()), Some("storage_unavailable"));
    }
}
