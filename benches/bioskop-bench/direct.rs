//! The baseline the actor design is measured against: the same endpoints
//! served without actors, each hold one `BEGIN IMMEDIATE` transaction with a
//! conditional update (available, or locked and expired), at the product's
//! `synchronous=FULL`. It lives here, not in the product.

use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::Duration,
};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, dev::Server, web};
use bioskop::{accounts::Accounts, clock::SystemClock, config::Settings, store::Store};
use rusqlite::{Connection, params};
use serde::Deserialize;
use serde_json::json;

const HOLD_TTL_MS: i64 = 10 * 60_000;

struct Direct {
    path: PathBuf,
    pool: Mutex<Vec<Connection>>,
    accounts: Accounts,
}

impl Direct {
    fn with_conn<T>(
        &self,
        work: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        let conn = match self.pool.lock().ok().and_then(|mut p| p.pop()) {
            Some(conn) => conn,
            None => {
                let conn = Connection::open(&self.path)?;
                conn.busy_timeout(Duration::from_secs(60))?;
                conn.pragma_update(None, "journal_mode", "WAL")?;
                conn.pragma_update(None, "synchronous", "FULL")?;
                conn
            }
        };
        let result = work(&conn);
        if let Ok(mut pool) = self.pool.lock() {
            pool.push(conn);
        }
        result
    }
}

pub fn start(db: &Path) -> anyhow::Result<(u16, Server)> {
    let settings = Settings::defaults();
    // The product's sessions (cached in memory), so both engines pay the same for auth.
    let store = Store::open(db, settings.database.synchronous)?;
    let accounts = Accounts::new(store, Arc::new(SystemClock), settings.accounts);
    let state = web::Data::new(Direct {
        path: db.to_path_buf(),
        pool: Mutex::new(Vec::new()),
        accounts,
    });
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .route(
                "/healthz",
                web::get().to(|| async { HttpResponse::Ok().json(json!({"status": "ok"})) }),
            )
            .route("/api/v1/bookings", web::post().to(hold))
            .route("/api/v1/bookings/{id}", web::delete().to(release))
            .route("/api/v1/showtimes/{id}/seats", web::get().to(seat_map))
    })
    .listen(listener)?
    .run();
    Ok((port, server))
}

async fn caller(state: &Direct, req: &HttpRequest) -> Option<i64> {
    let token = req
        .headers()
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")?
        .to_string();
    state
        .accounts
        .authenticate(&token)
        .await
        .ok()
        .map(|u| u.id.0)
}

fn problem(status: u16, code: &str) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap_or_default())
        .content_type("application/problem+json")
        .json(json!({"status": status, "code": code}))
}

#[derive(Deserialize)]
struct NewBooking {
    showtime_id: i64,
    seats: Vec<String>,
}

enum Held {
    Booked(String),
    Taken(Vec<String>),
}

async fn hold(
    state: web::Data<Direct>,
    req: HttpRequest,
    body: web::Json<NewBooking>,
) -> HttpResponse {
    let Some(user) = caller(&state, &req).await else {
        return problem(401, "unauthenticated");
    };
    let NewBooking { showtime_id, seats } = body.into_inner();
    let wanted = seats.clone();
    let result = web::block(move || {
        state.with_conn(|conn| {
            let now = chrono::Utc::now().timestamp_millis();
            let booking = uuid::Uuid::new_v4().to_string();
            conn.execute_batch("BEGIN IMMEDIATE")?;
            let mut taken = Vec::new();
            for seat in &wanted {
                let changed = conn
                    .prepare_cached(
                        "UPDATE bench_seats SET status = 'locked', booking_id = ?1, locked_until = ?2
                         WHERE showtime_id = ?3 AND seat_id = ?4
                           AND (status = 'available' OR (status = 'locked' AND locked_until <= ?5))",
                    )?
                    .execute(params![booking, now + HOLD_TTL_MS, showtime_id, seat, now])?;
                if changed == 0 {
                    taken.push(seat.clone());
                }
            }
            if !taken.is_empty() {
                conn.execute_batch("ROLLBACK")?;
                return Ok(Held::Taken(taken));
            }
            conn.prepare_cached(
                "INSERT INTO bench_bookings (id, showtime_id, user_id, status, created_at, expires_at)
                 VALUES (?1, ?2, ?3, 'held', ?4, ?5)",
            )?
            .execute(params![booking, showtime_id, user, now, now + HOLD_TTL_MS])?;
            conn.execute_batch("COMMIT")?;
            Ok(Held::Booked(booking))
        })
    })
    .await;
    match result {
        Ok(Ok(Held::Booked(id))) => HttpResponse::Created().json(json!({
            "id": id,
            "seats": seats.iter().map(|s| json!({"id": s})).collect::<Vec<_>>(),
        })),
        Ok(Ok(Held::Taken(taken))) => HttpResponse::Conflict()
            .content_type("application/problem+json")
            .json(json!({"status": 409, "code": "seat_unavailable", "seats": taken})),
        _ => problem(503, "storage_unavailable"),
    }
}

async fn release(
    state: web::Data<Direct>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    let Some(user) = caller(&state, &req).await else {
        return problem(401, "unauthenticated");
    };
    let id = id.into_inner();
    let result = web::block(move || {
        state.with_conn(|conn| {
            conn.execute_batch("BEGIN IMMEDIATE")?;
            let owned = conn
                .prepare_cached("UPDATE bench_bookings SET status = 'released' WHERE id = ?1 AND user_id = ?2")?
                .execute(params![id, user])?;
            conn.prepare_cached(
                "UPDATE bench_seats SET status = 'available', booking_id = NULL, locked_until = NULL WHERE booking_id = ?1",
            )?
            .execute(params![id])?;
            conn.execute_batch("COMMIT")?;
            Ok(owned)
        })
    })
    .await;
    match result {
        Ok(Ok(1)) => HttpResponse::NoContent().finish(),
        Ok(Ok(_)) => problem(404, "not_found"),
        _ => problem(503, "storage_unavailable"),
    }
}

async fn seat_map(state: web::Data<Direct>, id: web::Path<i64>) -> HttpResponse {
    let showtime = id.into_inner();
    let result = web::block(move || {
        state.with_conn(|conn| {
            let now = chrono::Utc::now().timestamp_millis();
            let mut stmt = conn.prepare_cached(
                "SELECT seat_id, status, locked_until FROM bench_seats WHERE showtime_id = ?1",
            )?;
            let seats = stmt
                .query_map([showtime], |r| {
                    let status: String = r.get(1)?;
                    let until: Option<i64> = r.get(2)?;
                    let status = match (status.as_str(), until) {
                        ("locked", Some(until)) if until <= now => "available".to_string(),
                        _ => status,
                    };
                    Ok(json!({"id": r.get::<_, String>(0)?, "status": status}))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(seats)
        })
    })
    .await;
    match result {
        Ok(Ok(seats)) if !seats.is_empty() => {
            HttpResponse::Ok().json(json!({"showtime_id": showtime, "seats": seats}))
        }
        Ok(Ok(_)) => problem(404, "not_found"),
        _ => problem(503, "storage_unavailable"),
    }
}
