//! Browsing: cities, cinemas, movies, showtimes and the live seat map.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::auth::MaybeCaller;
use crate::{error::AppResult, ids::ShowtimeId, seats::live::Subscription, state::AppState};

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
    Ok(HttpResponse::Ok().json(state.catalog.cities().await?))
}

#[derive(Deserialize)]
struct CinemaQuery {
    city_id: Option<i64>,
}

async fn cinemas(
    state: web::Data<AppState>,
    query: web::Query<CinemaQuery>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.catalog.cinemas(query.city_id).await?))
}

#[derive(Deserialize)]
struct DayQuery {
    date: Option<String>,
    movie_id: Option<i64>,
}

async fn movies(
    state: web::Data<AppState>,
    cinema_id: web::Path<i64>,
    query: web::Query<DayQuery>,
) -> AppResult<HttpResponse> {
    let movies = state
        .catalog
        .movies(cinema_id.into_inner(), query.date.as_deref())
        .await?;
    Ok(HttpResponse::Ok().json(movies))
}

async fn showtimes(
    state: web::Data<AppState>,
    cinema_id: web::Path<i64>,
    query: web::Query<DayQuery>,
) -> AppResult<HttpResponse> {
    let showtimes = state
        .catalog
        .showtimes(
            cinema_id.into_inner(),
            query.date.as_deref(),
            query.movie_id,
        )
        .await?;
    Ok(HttpResponse::Ok().json(showtimes))
}

async fn showtime(
    state: web::Data<AppState>,
    id: web::Path<ShowtimeId>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.catalog.showtime(id.into_inner()).await?))
}

async fn seat_map(
    state: web::Data<AppState>,
    id: web::Path<ShowtimeId>,
    caller: MaybeCaller,
) -> AppResult<HttpResponse> {
    let body = state
        .bookings
        .seat_map(id.into_inner(), caller.0.map(|u| u.id))
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
    id: web::Path<ShowtimeId>,
    query: web::Query<EventsQuery>,
    req: actix_web::HttpRequest,
) -> AppResult<HttpResponse> {
    let last_event_id = req
        .headers()
        .get("Last-Event-ID")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .or(query.last_event_id);
    let subscription = state
        .bookings
        .subscribe(id.into_inner(), last_event_id)
        .await?;
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
