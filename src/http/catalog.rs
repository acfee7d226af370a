//! Browsing: cities, cinemas, movies, showtimes and the live seat map.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{
    auth::MaybeCaller,
    openapi::{Anyone, Missing, Problem},
};
use crate::{
    catalog::{Cinema, City, MovieShowing, ShowtimeDetail, ShowtimeListing},
    error::AppResult,
    ids::ShowtimeId,
    seats::{book::SeatMapDoc, live::Subscription},
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

/// Every city with a cinema.
#[utoipa::path(get, path = "/api/v1/cities", tag = "catalog",
    responses((status = 200, description = "cities", body = Vec<City>), Anyone))]
pub async fn cities(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.catalog.cities().await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CinemaQuery {
    /// Only the cinemas of this city.
    city_id: Option<i64>,
}

/// Cinemas, of one city or all.
#[utoipa::path(get, path = "/api/v1/cinemas", tag = "catalog", params(CinemaQuery),
    responses((status = 200, description = "cinemas", body = Vec<Cinema>),
        (status = 422, description = "`invalid_query`", body = Problem, content_type = "application/problem+json"), Anyone))]
pub async fn cinemas(
    state: web::Data<AppState>,
    query: web::Query<CinemaQuery>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.catalog.cinemas(query.city_id).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DayQuery {
    /// The day, `YYYY-MM-DD` (default: today).
    #[param(schema_with = super::openapi::date_or_empty)]
    date: Option<String>,
    /// Only this movie's showtimes.
    movie_id: Option<i64>,
}

/// The movies showing at a cinema on a day.
#[utoipa::path(get, path = "/api/v1/cinemas/{id}/movies", tag = "catalog",
    params(("id" = i64, Path, description = "the cinema"), DayQuery),
    responses((status = 200, description = "movies", body = Vec<MovieShowing>),
        (status = 422, description = "`invalid_query`, `invalid_date`", body = Problem, content_type = "application/problem+json"), Missing, Anyone))]
pub async fn movies(
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

/// A cinema's showtimes on a day.
#[utoipa::path(get, path = "/api/v1/cinemas/{id}/showtimes", tag = "catalog",
    params(("id" = i64, Path, description = "the cinema"), DayQuery),
    responses((status = 200, description = "showtimes", body = Vec<ShowtimeListing>),
        (status = 422, description = "`invalid_query`, `invalid_date`", body = Problem, content_type = "application/problem+json"), Missing, Anyone))]
pub async fn showtimes(
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

/// A showtime with its movie, cinema and prices.
#[utoipa::path(get, path = "/api/v1/showtimes/{id}", tag = "catalog",
    params(("id" = ShowtimeId, Path, description = "the showtime")),
    responses((status = 200, description = "the showtime", body = ShowtimeDetail), Missing, Anyone))]
pub async fn showtime(
    state: web::Data<AppState>,
    id: web::Path<ShowtimeId>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.catalog.showtime(id.into_inner()).await?))
}

/// The seat map; with a token, the caller's own locks say `mine`.
#[utoipa::path(get, path = "/api/v1/showtimes/{id}/seats", tag = "catalog",
    params(("id" = ShowtimeId, Path, description = "the showtime")),
    security((), ("bearer" = [])),
    responses((status = 200, description = "the seat map", body = SeatMapDoc), Missing, Anyone))]
pub async fn seat_map(
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

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// For clients that cannot set the header (the same as `Last-Event-ID`).
    last_event_id: Option<u64>,
}

/// Live seat changes as Server-Sent Events: a snapshot (or what a client
/// reconnecting with `Last-Event-ID` missed), then one event per change.
/// Live seat changes (Server-Sent Events): a snapshot, then one event per change.
#[utoipa::path(get, path = "/api/v1/showtimes/{id}/seats/events", tag = "catalog",
    params(("id" = ShowtimeId, Path, description = "the showtime"), EventsQuery,
        ("Last-Event-ID" = Option<u64>, Header, description = "the last event seen")),
    responses((status = 200, description = "an endless event stream", content_type = "text/event-stream", body = String),
        (status = 422, description = "`invalid_query`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too_many_streams`: this address follows `http.max_sse_per_client` streams already", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`overloaded`: the server follows `http.max_sse` streams already", body = Problem, content_type = "application/problem+json"), Missing, Anyone))]
pub async fn seat_events(
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
    let client = super::client::address_of(&req, &state.settings.http.trusted_proxies);
    let slot = state.streams.take(&client)?;
    let subscription = state
        .bookings
        .subscribe(id.into_inner(), last_event_id)
        .await?;
    // The slot goes with the stream: given back when the stream ends.
    let stream = futures_util::StreamExt::map(event_stream(subscription), move |item| {
        let _held = &slot;
        item
    });
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(stream))
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
