//! Browsing: cities, cinemas, movies, showtimes and the live seat map.

use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use serde::Deserialize;

use super::auth::MaybeCaller;
use crate::{
    catalog,
    clock::to_millis,
    error::{AppError, AppResult},
    seats::{
        actor::{GetSeatMap, Subscribe},
        live::Subscription,
    },
    state::AppState,
};

/// A comment line every so often keeps proxies and browsers from closing an
/// idle stream, and tells the client the server is still there.
const HEARTBEAT: std::time::Duration = std::time::Duration::from_secs(15);

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/cities", web::get().to(cities))
        .route("/cinemas", web::get().to(cinemas))
        .route("/cinemas/{id}/movies", web::get().to(movies))
        .route("/cinemas/{id}/showtimes", web::get().to(showtimes))
        .route("/showtimes/{id}", web::get().to(showtime))
        .route("/showtimes/{id}/seats", web::get().to(seat_map))
        .route("/showtimes/{id}/seats/events", web::get().to(seat_events));
}

async fn cities(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let cities = state.store.read(catalog::cities).await?;
    Ok(HttpResponse::Ok().json(cities))
}

#[derive(Deserialize)]
struct CinemaQuery {
    city_id: Option<i64>,
}

async fn cinemas(
    state: web::Data<AppState>,
    query: web::Query<CinemaQuery>,
) -> AppResult<HttpResponse> {
    let city_id = query.city_id;
    let cinemas = state
        .store
        .read(move |c| catalog::cinemas(c, city_id))
        .await?;
    Ok(HttpResponse::Ok().json(cinemas))
}

#[derive(Deserialize)]
struct DayQuery {
    date: Option<String>,
    movie_id: Option<i64>,
}

fn date_of(state: &AppState, query: &DayQuery) -> AppResult<NaiveDate> {
    match query.date.as_deref() {
        None | Some("") => Ok(state.locale.today(state.clock.now())),
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
            AppError::validation(
                "invalid_date",
                format!("`{text}` is not a date like 2026-11-24"),
            )
        }),
    }
}

async fn movies(
    state: web::Data<AppState>,
    cinema_id: web::Path<i64>,
    query: web::Query<DayQuery>,
) -> AppResult<HttpResponse> {
    let date = date_of(&state, &query)?;
    let locale = state.locale.clone();
    let cinema_id = cinema_id.into_inner();
    let movies = state
        .store
        .read(move |c| catalog::movies_showing(c, &locale, cinema_id, date))
        .await?;
    Ok(HttpResponse::Ok().json(movies))
}

async fn showtimes(
    state: web::Data<AppState>,
    cinema_id: web::Path<i64>,
    query: web::Query<DayQuery>,
) -> AppResult<HttpResponse> {
    let date = date_of(&state, &query)?;
    let locale = state.locale.clone();
    let cinema_id = cinema_id.into_inner();
    let movie_id = query.movie_id;
    let now = to_millis(state.clock.now());
    let showtimes = state
        .store
        .read(move |c| catalog::showtimes(c, &locale, cinema_id, date, movie_id, now))
        .await?;
    Ok(HttpResponse::Ok().json(showtimes))
}

async fn showtime(state: web::Data<AppState>, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let locale = state.locale.clone();
    let id = id.into_inner();
    let showtime = state
        .store
        .read(move |c| catalog::showtime(c, &locale, id))
        .await?;
    Ok(HttpResponse::Ok().json(showtime))
}

async fn seat_map(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    caller: MaybeCaller,
) -> AppResult<HttpResponse> {
    let actor = state.registry.get(id.into_inner()).await?;
    let body = actor
        .send(GetSeatMap {
            viewer: caller.0.map(|u| u.id),
            now: state.clock.now(),
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body))
}

#[derive(Deserialize)]
struct EventsQuery {
    /// For clients that cannot set the header (the same as `Last-Event-ID`).
    last_event_id: Option<u64>,
}

/// Live seat changes as Server-Sent Events: a snapshot (or what a client
/// reconnecting with `Last-Event-ID` missed), then one event per change.
async fn seat_events(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: web::Query<EventsQuery>,
    req: actix_web::HttpRequest,
) -> AppResult<HttpResponse> {
    let last_event_id = req
        .headers()
        .get("Last-Event-ID")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .or(query.last_event_id);
    let actor = state.registry.get(id.into_inner()).await?;
    let subscription = actor.send(Subscribe { last_event_id }).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(event_stream(subscription)))
}

fn event_stream(
    subscription: Subscription,
) -> impl futures_util::Stream<Item = Result<web::Bytes, actix_web::Error>> {
    use std::sync::atomic::Ordering;

    let Subscription {
        initial,
        events,
        overflowed,
    } = subscription;
    let mut first = vec![web::Bytes::from_static(b"retry: 1000\n\n")];
    first.extend(initial);
    let heartbeat = tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
    let start = (first.into_iter(), events, heartbeat, overflowed, false);
    futures_util::stream::unfold(
        start,
        |(mut first, mut events, mut heartbeat, overflowed, done)| async move {
            if let Some(frame) = first.next() {
                return Some((Ok(frame), (first, events, heartbeat, overflowed, done)));
            }
            if done {
                return None;
            }
            let frame = tokio::select! {
                frame = events.recv() => match frame {
                    Some(frame) => frame,
                    None if overflowed.load(Ordering::Acquire) => {
                        // Too slow to keep up: told to start again from a snapshot.
                        let frame = web::Bytes::from_static(b"event: resync\ndata: {}\n\n");
                        return Some((Ok(frame), (first, events, heartbeat, overflowed, true)));
                    }
                    None => return None,
                },
                _ = heartbeat.tick() => web::Bytes::from_static(b": heartbeat\n\n"),
            };
            Some((Ok(frame), (first, events, heartbeat, overflowed, done)))
        },
    )
}
