//! Browsing: cities, cinemas, movies, showtimes and the live seat map.

use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use serde::Deserialize;

use super::auth::MaybeCaller;
use crate::{
    app::AppState,
    catalog,
    clock::to_millis,
    error::{AppError, AppResult},
    seats::actor::GetSeatMap,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/cities", web::get().to(cities))
        .route("/cinemas", web::get().to(cinemas))
        .route("/cinemas/{id}/movies", web::get().to(movies))
        .route("/cinemas/{id}/showtimes", web::get().to(showtimes))
        .route("/showtimes/{id}", web::get().to(showtime))
        .route("/showtimes/{id}/seats", web::get().to(seat_map));
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
