//! /admin/cities, /admin/cinemas, /admin/movies: the back office's catalog.
//! Admins only (customers 403); the rules and the audit trail are in
//! `catalog::admin`.

use actix_web::{HttpResponse, web};

use super::{
    auth::Admin,
    body::Body,
    openapi::{JsonBody, Missing, Problem, Staff},
};
use crate::{
    catalog::{
        Cinema, City, Movie,
        admin::{CinemaPatch, CityPatch, MoviePatch, NewCinema, NewCity, NewMovie},
    },
    error::AppResult,
    state::AppState,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/cities", web::get().to(list_cities))
        .route("/admin/cities", web::post().to(create_city))
        .route("/admin/cities/{id}", web::patch().to(update_city))
        .route("/admin/cinemas", web::get().to(list_cinemas))
        .route("/admin/cinemas", web::post().to(create_cinema))
        .route("/admin/cinemas/{id}", web::patch().to(update_cinema))
        .route("/admin/movies", web::get().to(list_movies))
        .route("/admin/movies", web::post().to(create_movie))
        .route("/admin/movies/{id}", web::patch().to(update_movie));
}

/// Every city, with or without a cinema.
#[utoipa::path(get, path = "/api/v1/admin/cities", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "cities", body = Vec<City>), Staff))]
pub async fn list_cities(state: web::Data<AppState>, _admin: Admin) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.catalog.admin_cities().await?))
}

/// A new city.
#[utoipa::path(post, path = "/api/v1/admin/cities", tag = "admin", request_body = NewCity,
    security(("bearer" = [])),
    responses((status = 201, description = "created", body = City),
        (status = 409, description = "`city_exists`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_body`, `invalid_fields`", body = Problem, content_type = "application/problem+json"), Staff, JsonBody))]
pub async fn create_city(
    state: web::Data<AppState>,
    admin: Admin,
    body: Body<NewCity>,
) -> AppResult<HttpResponse> {
    let city = state
        .catalog
        .create_city(body.into_inner(), admin.0.id)
        .await?;
    Ok(HttpResponse::Created().json(city))
}

/// Renames a city.
#[utoipa::path(patch, path = "/api/v1/admin/cities/{id}", tag = "admin", request_body = CityPatch,
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "the city")),
    responses((status = 200, description = "the city as it is now", body = City),
        (status = 409, description = "`city_exists`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_body`, `invalid_fields`", body = Problem, content_type = "application/problem+json"), Missing, Staff, JsonBody))]
pub async fn update_city(
    state: web::Data<AppState>,
    admin: Admin,
    id: web::Path<i64>,
    body: Body<CityPatch>,
) -> AppResult<HttpResponse> {
    let city = state
        .catalog
        .update_city(id.into_inner(), body.into_inner(), admin.0.id)
        .await?;
    Ok(HttpResponse::Ok().json(city))
}

/// Every cinema.
#[utoipa::path(get, path = "/api/v1/admin/cinemas", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "cinemas", body = Vec<Cinema>), Staff))]
pub async fn list_cinemas(state: web::Data<AppState>, _admin: Admin) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.catalog.admin_cinemas().await?))
}

/// A new cinema in an existing city.
#[utoipa::path(post, path = "/api/v1/admin/cinemas", tag = "admin", request_body = NewCinema,
    security(("bearer" = [])),
    responses((status = 201, description = "created", body = Cinema),
        (status = 409, description = "`cinema_exists`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_body`, `invalid_fields`, `unknown_city`", body = Problem, content_type = "application/problem+json"), Staff, JsonBody))]
pub async fn create_cinema(
    state: web::Data<AppState>,
    admin: Admin,
    body: Body<NewCinema>,
) -> AppResult<HttpResponse> {
    let cinema = state
        .catalog
        .create_cinema(body.into_inner(), admin.0.id)
        .await?;
    Ok(HttpResponse::Created().json(cinema))
}

/// Renames a cinema, edits its address or time zone, or moves it to another city.
#[utoipa::path(patch, path = "/api/v1/admin/cinemas/{id}", tag = "admin", request_body = CinemaPatch,
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "the cinema")),
    responses((status = 200, description = "the cinema as it is now", body = Cinema),
        (status = 409, description = "`cinema_exists`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_body`, `invalid_fields`, `unknown_city`", body = Problem, content_type = "application/problem+json"), Missing, Staff, JsonBody))]
pub async fn update_cinema(
    state: web::Data<AppState>,
    admin: Admin,
    id: web::Path<i64>,
    body: Body<CinemaPatch>,
) -> AppResult<HttpResponse> {
    let cinema = state
        .catalog
        .update_cinema(id.into_inner(), body.into_inner(), admin.0.id)
        .await?;
    Ok(HttpResponse::Ok().json(cinema))
}

/// Every movie, archived ones last.
#[utoipa::path(get, path = "/api/v1/admin/movies", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "movies", body = Vec<Movie>), Staff))]
pub async fn list_movies(state: web::Data<AppState>, _admin: Admin) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.catalog.admin_movies().await?))
}

/// A new movie.
#[utoipa::path(post, path = "/api/v1/admin/movies", tag = "admin", request_body = NewMovie,
    security(("bearer" = [])),
    responses((status = 201, description = "created", body = Movie),
        (status = 422, description = "`invalid_body`, `invalid_fields`", body = Problem, content_type = "application/problem+json"), Staff, JsonBody))]
pub async fn create_movie(
    state: web::Data<AppState>,
    admin: Admin,
    body: Body<NewMovie>,
) -> AppResult<HttpResponse> {
    let movie = state
        .catalog
        .create_movie(body.into_inner(), admin.0.id)
        .await?;
    Ok(HttpResponse::Created().json(movie))
}

/// Edits a movie; `archived: true` takes it off the customers' lists (a movie is never deleted).
#[utoipa::path(patch, path = "/api/v1/admin/movies/{id}", tag = "admin", request_body = MoviePatch,
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "the movie")),
    responses((status = 200, description = "the movie as it is now", body = Movie),
        (status = 422, description = "`invalid_body`, `invalid_fields`", body = Problem, content_type = "application/problem+json"), Missing, Staff, JsonBody))]
pub async fn update_movie(
    state: web::Data<AppState>,
    admin: Admin,
    id: web::Path<i64>,
    body: Body<MoviePatch>,
) -> AppResult<HttpResponse> {
    let movie = state
        .catalog
        .update_movie(id.into_inner(), body.into_inner(), admin.0.id)
        .await?;
    Ok(HttpResponse::Ok().json(movie))
}
