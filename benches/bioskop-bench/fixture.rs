//! Test data written straight into a fresh database before the server starts:
//! the demo catalog, customers with ready sessions ("logged in beforehand"),
//! extra 300-seat showtimes, and pre-made holds for the expiry and memory runs.

use std::path::{Path, PathBuf};

use anyhow::Context;
use bioskop::{
    catalog::demo,
    config::{Settings, Synchronous},
    store::Store,
};
use chrono::Utc;
use rusqlite::{Connection, params};
use sha2::{Digest, Sha256};

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub tokens: Vec<String>,
}

impl Fixture {
    pub fn db(&self) -> PathBuf {
        db_path(self.dir.path())
    }

    pub fn connect(&self) -> anyhow::Result<Connection> {
        let conn = Connection::open(self.db())?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        Ok(conn)
    }
}

pub fn db_path(dir: &Path) -> PathBuf {
    dir.join("bench.db")
}

/// A migrated database with the demo catalog and `customers` logged-in customers.
pub fn prepare(customers: usize) -> anyhow::Result<Fixture> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(&db_path(dir.path()), Synchronous::Full)?;
    store.close();
    let mut conn = Connection::open(db_path(dir.path()))?;
    let settings = Settings::defaults();
    let tx = conn.transaction()?;
    demo::seed(&tx, &settings, Utc::now()).context("seeding the demo catalog")?;
    let now = Utc::now().timestamp_millis();
    let mut tokens = Vec::with_capacity(customers);
    {
        let mut user = tx.prepare(
            "INSERT INTO users (email, password_hash, name, role, created_at) VALUES (?1, 'not-used', ?2, 'customer', ?3)",
        )?;
        let mut session = tx.prepare(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for i in 0..customers {
            user.execute(params![
                format!("bench{i}@example.com"),
                format!("Bench {i}"),
                now
            ])?;
            let id = tx.last_insert_rowid();
            let token = format!(
                "bench-token-{i:08}-{}",
                hex::encode(rand::random::<[u8; 8]>())
            );
            let hash: [u8; 32] = Sha256::digest(token.as_bytes()).into();
            session.execute(params![hash.to_vec(), id, now, now + 86_400_000])?;
            tokens.push(token);
        }
    }
    tx.commit()?;
    Ok(Fixture { dir, tokens })
}

/// `count` future showtimes in the 300-seat auditorium, adding showtimes as needed.
pub fn big_showtimes(conn: &mut Connection, count: usize) -> anyhow::Result<Vec<i64>> {
    let auditorium: i64 = conn.query_row(
        "SELECT a.id FROM auditoriums a WHERE (SELECT COUNT(*) FROM auditorium_seats s WHERE s.auditorium_id = a.id) = 300 LIMIT 1",
        [],
        |r| r.get(0),
    )?;
    let tomorrow = Utc::now().timestamp_millis() + 86_400_000;
    let tx = conn.transaction()?;
    {
        let mut showtime = tx.prepare(
            "INSERT INTO showtimes (movie_id, auditorium_id, starts_at, ends_at) VALUES (1, ?1, ?2, ?2 + 7200000)",
        )?;
        let mut price = tx.prepare("INSERT INTO showtime_prices VALUES (?1, ?2, ?3)")?;
        for i in 0..count {
            // Far in the future and apart, so they never collide with the demo week.
            let starts_at = tomorrow + 30 * 86_400_000 + i as i64 * 3 * 3_600_000;
            showtime.execute(params![auditorium, starts_at])?;
            let id = tx.last_insert_rowid();
            price.execute(params![id, "regular", 50_000])?;
            price.execute(params![id, "premium", 80_000])?;
        }
    }
    tx.commit()?;
    let mut stmt = conn.prepare(
        "SELECT id FROM showtimes WHERE auditorium_id = ?1 AND starts_at >= ?2 ORDER BY starts_at DESC LIMIT ?3",
    )?;
    let ids = stmt
        .query_map(params![auditorium, tomorrow, count as i64], |r| r.get(0))?
        .collect::<Result<Vec<i64>, _>>()?;
    Ok(ids)
}

/// The seat ids of a showtime, in layout order.
pub fn seat_ids(conn: &Connection, showtime: i64) -> anyhow::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT x.seat_id FROM auditorium_seats x JOIN showtimes s ON s.auditorium_id = x.auditorium_id
         WHERE s.id = ?1 ORDER BY x.grid_row, x.grid_col",
    )?;
    let ids = stmt
        .query_map([showtime], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(ids)
}

/// The seat right beside each seat of a showtime in its row (no aisle
/// between), by index in [`seat_ids`]' order: where an adjacent pair starts.
pub fn right_neighbours(conn: &Connection, showtime: i64) -> anyhow::Result<Vec<Option<usize>>> {
    let mut stmt = conn.prepare(
        "SELECT x.grid_row, x.grid_col, x.class FROM auditorium_seats x JOIN showtimes s ON s.auditorium_id = x.auditorium_id
         WHERE s.id = ?1 ORDER BY x.grid_row, x.grid_col",
    )?;
    let places = stmt
        .query_map([showtime], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let width = |class: &str| if class == "couple" { 2 } else { 1 };
    Ok(places
        .iter()
        .enumerate()
        .map(|(i, (row, col, class))| {
            let (next_row, next_col, next_class) = places.get(i + 1)?;
            // A couple seat is sold for two already: no pairs with it.
            (next_row == row
                && *next_col == col + width(class)
                && class != "couple"
                && next_class != "couple")
                .then_some(i + 1)
        })
        .collect())
}

/// Open holds written directly: `bookings` per showtime, `seats_per_booking`
/// seats each, all expiring at `expires_at`. Customer k holds the k-th booking
/// of every showtime (one open booking per customer and showtime).
pub fn insert_holds(
    conn: &mut Connection,
    showtimes: &[i64],
    bookings: usize,
    seats_per_booking: usize,
    expires_at: i64,
) -> anyhow::Result<usize> {
    let seats = seat_ids(conn, showtimes[0])?;
    anyhow::ensure!(
        bookings * seats_per_booking <= seats.len(),
        "not enough seats per showtime"
    );
    let users: Vec<i64> = {
        let mut stmt =
            conn.prepare("SELECT id FROM users WHERE role = 'customer' ORDER BY id LIMIT ?1")?;
        stmt.query_map([bookings as i64], |r| r.get(0))?
            .collect::<Result<_, _>>()?
    };
    anyhow::ensure!(
        users.len() == bookings,
        "need {bookings} customers, have {}",
        users.len()
    );
    let now = Utc::now().timestamp_millis();
    let tx = conn.transaction()?;
    let mut held = 0;
    {
        let mut booking = tx.prepare(
            "INSERT INTO bookings (id, showtime_id, user_id, status, created_at, expires_at, updated_at)
             VALUES (?1, ?2, ?3, 'held', ?4, ?5, ?4)",
        )?;
        let mut booking_seat = tx.prepare(
            "INSERT INTO booking_seats (booking_id, seat_id, class, price, position) VALUES (?1, ?2, 'regular', 50000, ?3)",
        )?;
        let mut occupancy = tx.prepare(
            "INSERT INTO seat_occupancy (showtime_id, seat_id, booking_id, state, locked_until) VALUES (?1, ?2, ?3, 'locked', ?4)",
        )?;
        for &showtime in showtimes {
            for (b, user) in users.iter().enumerate() {
                let id = uuid::Uuid::new_v4().to_string();
                booking.execute(params![id, showtime, user, now, expires_at])?;
                for p in 0..seats_per_booking {
                    let seat = &seats[b * seats_per_booking + p];
                    booking_seat.execute(params![id, seat, p as i64])?;
                    occupancy.execute(params![showtime, seat, id, expires_at])?;
                    held += 1;
                }
            }
        }
    }
    tx.commit()?;
    Ok(held)
}

/// The direct-SQLite baseline's own table: one row per seat with its status.
pub fn direct_tables(conn: &mut Connection, showtimes: &[i64]) -> anyhow::Result<()> {
    let tx = conn.transaction()?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS bench_seats (
             showtime_id INTEGER NOT NULL, seat_id TEXT NOT NULL, status TEXT NOT NULL,
             booking_id TEXT, locked_until INTEGER, PRIMARY KEY (showtime_id, seat_id)) WITHOUT ROWID;
         CREATE INDEX IF NOT EXISTS bench_seats_by_booking ON bench_seats(booking_id);
         CREATE TABLE IF NOT EXISTS bench_bookings (
             id TEXT PRIMARY KEY, showtime_id INTEGER NOT NULL, user_id INTEGER NOT NULL,
             status TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;",
    )?;
    {
        let mut insert = tx.prepare(
            "INSERT OR IGNORE INTO bench_seats (showtime_id, seat_id, status)
             SELECT s.id, x.seat_id, 'available' FROM showtimes s
             JOIN auditorium_seats x ON x.auditorium_id = s.auditorium_id WHERE s.id = ?1",
        )?;
        for showtime in showtimes {
            insert.execute([showtime])?;
        }
    }
    tx.commit()?;
    Ok(())
}
