//! /admin/showtimes/{id}/blocked-seats: an admin takes seats of one showtime
//! off sale (a broken seat, house seats) and puts them back. Customers get 403.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{
    auth::Admin,
    body::Body,
    openapi::{JsonBody, Missing, Problem, Staff},
};
use crate::{error::AppResult, ids::ShowtimeId, seats::book::BlockedSeats, state::AppState};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/showtimes/{id}/blocked-seats", web::post().to(block))
        .route(
            "/admin/showtimes/{id}/blocked-seats/{seat}",
            web::delete().to(unblock),
        );
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct BlockRequest {
    /// Seats of this showtime ("C5"), each once.
    #[schema(min_items = 1)]
    seats: Vec<String>,
    /// Why (1 to 200 characters): a broken seat, house seats.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    reason: String,
}

/// Takes seats off sale, all or none; blocking a blocked seat changes nothing.
#[utoipa::path(post, path = "/api/v1/admin/showtimes/{id}/blocked-seats", tag = "admin", request_body = BlockRequest,
    security(("bearer" = [])),
    params(("id" = ShowtimeId, Path, description = "the showtime")),
    responses((status = 200, description = "the showtime's blocked seats", body = BlockedSeats),
        (status = 409, description = "`seat_unavailable` (held or sold; `seats` names them), `showtime_cancelled`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_body`, `invalid_reason`, `no_seats`, `unknown_seat`", body = Problem, content_type = "application/problem+json"), Missing, Staff, JsonBody))]
pub async fn block(
    state: web::Data<AppState>,
    admin: Admin,
    id: web::Path<ShowtimeId>,
    body: Body<BlockRequest>,
) -> AppResult<HttpResponse> {
    let BlockRequest { seats, reason } = body.into_inner();
    let blocked = state
        .bookings
        .block_seats(id.into_inner(), seats, &reason, admin.0.id)
        .await?;
    Ok(HttpResponse::Ok().json(blocked))
}

/// Puts one seat back on sale; a seat that was not blocked changes nothing.
#[utoipa::path(delete, path = "/api/v1/admin/showtimes/{id}/blocked-seats/{seat}", tag = "admin",
    security(("bearer" = [])),
    params(("id" = ShowtimeId, Path, description = "the showtime"),
        ("seat" = String, Path, description = "the seat (\"C5\")")),
    responses((status = 200, description = "the showtime's blocked seats", body = BlockedSeats),
        (status = 422, description = "`unknown_seat`", body = Problem, content_type = "application/problem+json"), Missing, Staff))]
pub async fn unblock(
    state: web::Data<AppState>,
    admin: Admin,
    path: web::Path<(ShowtimeId, String)>,
) -> AppResult<HttpResponse> {
    let (id, seat) = path.into_inner();
    let blocked = state.bookings.unblock_seat(id, seat, admin.0.id).await?;
    Ok(HttpResponse::Ok().json(blocked))
}
