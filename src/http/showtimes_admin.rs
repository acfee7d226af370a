//! /admin/showtimes, /admin/showtimes/batch, /admin/showtimes/{id}: the back
//! office schedules, reprices, moves and deletes showtimes. Admins only
//! (customers 403); the rules, their atomicity and the audit trail are in
//! `catalog::showtimes`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{
    auth::Admin,
    body::Body,
    openapi::{JsonBody, Missing, Problem, Staff},
};
use crate::{
    catalog::showtimes::{
        AdminShowtime, AdminShowtimes, NewShowtime, ShowtimeBatch, ShowtimePatch,
    },
    error::AppResult,
    state::AppState,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/showtimes", web::get().to(list_showtimes))
        .route("/admin/showtimes", web::post().to(create_showtime))
        .route("/admin/showtimes/batch", web::post().to(create_batch))
        .route("/admin/showtimes/{id}", web::patch().to(update_showtime))
        .route("/admin/showtimes/{id}", web::delete().to(delete_showtime));
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProgrammeQuery {
    /// The auditorium.
    auditorium_id: i64,
    /// The first local date (the cinema's), `YYYY-MM-DD`.
    #[param(value_type = String, format = Date)]
    from: String,
    /// The last local date, inclusive; at most 62 days after `from` counted inclusively.
    #[param(value_type = String, format = Date)]
    to: String,
}

/// An auditorium's programme: its showtimes starting on the cinema-local
/// dates `from` to `to` (inclusive, at most 62 days), cancelled ones too, by
/// start, with their prices and the cinema's time zone.
#[utoipa::path(get, path = "/api/v1/admin/showtimes", tag = "admin",
    params(ProgrammeQuery), security(("bearer" = [])),
    responses((status = 200, description = "the showtimes, by start", body = Vec<AdminShowtime>),
        (status = 422, description = "`invalid_query`, `invalid_fields` (a malformed date), `invalid_schedule` (`to` before `from`, or over 62 days)", body = Problem, content_type = "application/problem+json"), Missing, Staff))]
pub async fn list_showtimes(
    state: web::Data<AppState>,
    _admin: Admin,
    query: web::Query<ProgrammeQuery>,
) -> AppResult<HttpResponse> {
    let ProgrammeQuery {
        auditorium_id,
        from,
        to,
    } = query.into_inner();
    let showtimes = state.showtimes.list(auditorium_id, &from, &to).await?;
    Ok(HttpResponse::Ok().json(showtimes))
}

/// Schedules a showtime; it is bookable at once.
#[utoipa::path(post, path = "/api/v1/admin/showtimes", tag = "admin",
    request_body = NewShowtime, security(("bearer" = [])),
    responses((status = 201, description = "scheduled; `ends_at` is the start plus the movie's duration", body = AdminShowtime),
        (status = 409, description = "`showtime_overlap` (`overlaps` names the showtimes of the auditorium it collides with, counting `catalog.cleaning_gap`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_body`, `invalid_fields`, `unknown_movie`, `movie_archived`, `unknown_auditorium`, `invalid_prices` (a class of the auditorium without a price, or one it does not have), `start_in_past`", body = Problem, content_type = "application/problem+json"), Missing, Staff, JsonBody))]
pub async fn create_showtime(
    state: web::Data<AppState>,
    admin: Admin,
    body: Body<NewShowtime>,
) -> AppResult<HttpResponse> {
    let created = state
        .showtimes
        .create(body.into_inner(), admin.0.id)
        .await?;
    Ok(HttpResponse::Created().json(created))
}

/// Schedules a programme: every chosen weekday from `from` to `to` (the
/// cinema's local dates) at each local time, all or none. A local time the
/// clocks skip that day is 422; one they pass twice is the earlier.
#[utoipa::path(post, path = "/api/v1/admin/showtimes/batch", tag = "admin",
    request_body = ShowtimeBatch, security(("bearer" = [])),
    responses((status = 201, description = "the showtimes made, by start", body = AdminShowtimes),
        (status = 409, description = "`showtime_overlap` (`overlaps` lists every collision, among the batch's showtimes (`id` null) and with scheduled ones)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_body`, `invalid_fields`, `invalid_schedule` (`to` before `from`, over 62 days or 500 showtimes, no matching day, a local time that does not exist), `unknown_movie`, `movie_archived`, `unknown_auditorium`, `invalid_prices`, `start_in_past`", body = Problem, content_type = "application/problem+json"), Missing, Staff, JsonBody))]
pub async fn create_batch(
    state: web::Data<AppState>,
    admin: Admin,
    body: Body<ShowtimeBatch>,
) -> AppResult<HttpResponse> {
    let created = state
        .showtimes
        .create_batch(body.into_inner(), admin.0.id)
        .await?;
    Ok(HttpResponse::Created().json(created))
}

/// Changes prices (for holds made from now on) and/or moves the showtime
/// (only while nothing is held, being paid or sold), all or none.
#[utoipa::path(patch, path = "/api/v1/admin/showtimes/{id}", tag = "admin",
    request_body = ShowtimePatch, security(("bearer" = [])),
    params(("id" = i64, Path, description = "the showtime")),
    responses((status = 200, description = "the showtime as it is now", body = AdminShowtime),
        (status = 409, description = "`showtime_has_bookings` (cancel it instead), `showtime_overlap`, `showtime_cancelled`, `showtime_started`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_body`, `invalid_fields`, `invalid_prices` (a class the showtime's layout does not have), `start_in_past`", body = Problem, content_type = "application/problem+json"), Missing, Staff, JsonBody))]
pub async fn update_showtime(
    state: web::Data<AppState>,
    admin: Admin,
    id: web::Path<i64>,
    body: Body<ShowtimePatch>,
) -> AppResult<HttpResponse> {
    let updated = state
        .showtimes
        .update(id.into_inner(), body.into_inner(), admin.0.id)
        .await?;
    Ok(HttpResponse::Ok().json(updated))
}

/// Deletes a showtime nobody ever booked (no booking of any status) and
/// without blocked seats.
#[utoipa::path(delete, path = "/api/v1/admin/showtimes/{id}", tag = "admin",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "the showtime")),
    responses((status = 204, description = "deleted"),
        (status = 409, description = "`showtime_has_bookings` (cancel it instead)", body = Problem, content_type = "application/problem+json"), Missing, Staff))]
pub async fn delete_showtime(
    state: web::Data<AppState>,
    admin: Admin,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    state.showtimes.delete(id.into_inner(), admin.0.id).await?;
    Ok(HttpResponse::NoContent().finish())
}
