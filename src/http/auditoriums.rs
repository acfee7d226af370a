//! /admin/cinemas/{id}/auditoriums, /admin/auditoriums/{id}: auditoriums and
//! their seat layouts. Admins only (customers 403); the rules, which
//! showtimes follow an edit, and the audit trail are in `catalog::auditoriums`.

use actix_web::{HttpResponse, web};

use super::{
    auth::Admin,
    body::Body,
    openapi::{JsonBody, Missing, Problem, Staff},
};
use crate::{
    catalog::auditoriums::{AdminAuditorium, AuditoriumLayout},
    error::AppResult,
    state::AppState,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/admin/cinemas/{id}/auditoriums",
        web::get().to(list_auditoriums),
    )
    .route(
        "/admin/cinemas/{id}/auditoriums",
        web::post().to(create_auditorium),
    )
    .route("/admin/auditoriums/{id}", web::get().to(get_auditorium))
    .route("/admin/auditoriums/{id}", web::put().to(update_auditorium));
}

/// The auditoriums of a cinema with their layouts and seats.
#[utoipa::path(get, path = "/api/v1/admin/cinemas/{id}/auditoriums", tag = "admin",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "the cinema")),
    responses((status = 200, description = "auditoriums", body = Vec<AdminAuditorium>), Missing, Staff))]
pub async fn list_auditoriums(
    state: web::Data<AppState>,
    _admin: Admin,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.catalog.admin_auditoriums(id.into_inner()).await?))
}

/// A new auditorium from a seat layout; answers the seats it made.
#[utoipa::path(post, path = "/api/v1/admin/cinemas/{id}/auditoriums", tag = "admin",
    request_body = AuditoriumLayout, security(("bearer" = [])),
    params(("id" = i64, Path, description = "the cinema")),
    responses((status = 201, description = "created", body = AdminAuditorium),
        (status = 409, description = "`auditorium_exists`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_body`, `invalid_fields`, `invalid_layout` (the errors name the row and column, like `rows[2][7]`)", body = Problem, content_type = "application/problem+json"), Missing, Staff, JsonBody))]
pub async fn create_auditorium(
    state: web::Data<AppState>,
    admin: Admin,
    id: web::Path<i64>,
    body: Body<AuditoriumLayout>,
) -> AppResult<HttpResponse> {
    let auditorium = state
        .catalog
        .create_auditorium(id.into_inner(), body.into_inner(), admin.0.id)
        .await?;
    Ok(HttpResponse::Created().json(auditorium))
}

/// An auditorium with its layout and seats.
#[utoipa::path(get, path = "/api/v1/admin/auditoriums/{id}", tag = "admin",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "the auditorium")),
    responses((status = 200, description = "the auditorium", body = AdminAuditorium), Missing, Staff))]
pub async fn get_auditorium(
    state: web::Data<AppState>,
    _admin: Admin,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.catalog.admin_auditorium(id.into_inner()).await?))
}

/// Renames an auditorium or replaces its layout. The new seats apply to its
/// showtimes without any booking or blocked seat; a showtime with one keeps
/// the layout it had.
#[utoipa::path(put, path = "/api/v1/admin/auditoriums/{id}", tag = "admin",
    request_body = AuditoriumLayout, security(("bearer" = [])),
    params(("id" = i64, Path, description = "the auditorium")),
    responses((status = 200, description = "the auditorium as it is now", body = AdminAuditorium),
        (status = 409, description = "`auditorium_exists`, `layout_needs_prices` (a following showtime has no price for a class of the new layout)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_body`, `invalid_fields`, `invalid_layout` (the errors name the row and column, like `rows[2][7]`)", body = Problem, content_type = "application/problem+json"), Missing, Staff, JsonBody))]
pub async fn update_auditorium(
    state: web::Data<AppState>,
    admin: Admin,
    id: web::Path<i64>,
    body: Body<AuditoriumLayout>,
) -> AppResult<HttpResponse> {
    let auditorium = state
        .catalog
        .update_auditorium(id.into_inner(), body.into_inner(), admin.0.id)
        .await?;
    Ok(HttpResponse::Ok().json(auditorium))
}
