//! /bookings/{id}/offer: the cancelled-showtime offer of the caller's own
//! booking (DESIGN 4c), 404 for anyone else's.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{
    auth::Caller,
    body::Body,
    openapi::{JsonBody, Missing, Problem, SignedIn},
};
use crate::{
    error::AppResult,
    ids::{BookingId, ShowtimeId},
    offers::OfferView,
    state::AppState,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/bookings/{id}/offer", web::get().to(show))
        .route("/bookings/{id}/offer/move", web::post().to(move_to))
        .route("/bookings/{id}/offer/refund", web::post().to(refund));
}

/// The offer, with the showtimes the customer may move to while it is pending.
#[utoipa::path(get, path = "/api/v1/bookings/{id}/offer", tag = "bookings", security(("bearer" = [])),
    params(("id" = BookingId, Path, description = "the cancelled showtime's booking")),
    responses((status = 200, description = "the offer", body = OfferView), Missing, SignedIn))]
pub async fn show(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<BookingId>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.offers.view(caller.user.id, &id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct MoveRequest {
    /// Another showtime of the same movie in the same cinema, listed in the offer.
    showtime_id: ShowtimeId,
    /// As many seats as were paid for, each of the class paid for or a dearer one.
    #[schema(min_items = 1, max_items = 8, inline, value_type = Vec<super::bookings::SeatName>)]
    seats: Vec<String>,
}

/// Move to seats of another showtime: sold there at no extra cost, the
/// refund withdrawn, all or nothing. One decision per booking.
#[utoipa::path(post, path = "/api/v1/bookings/{id}/offer/move", tag = "bookings", security(("bearer" = [])),
    request_body = MoveRequest,
    params(("id" = BookingId, Path, description = "the cancelled showtime's booking")),
    responses((status = 200, description = "moved: `moved_to` is the new booking", body = OfferView),
        (status = 409, description = "`offer_decided`, `offer_expired`, `seat_unavailable`, `single_seat_gap`, `wheelchair_companion`, `showtime_started`, `showtime_cancelled` (the offer stands unless decided)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_body`, `move_not_offered`, `move_seats_not_offered`, `unknown_seat`, `no_seats`", body = Problem, content_type = "application/problem+json"),
        Missing, SignedIn, JsonBody))]
pub async fn move_to(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<BookingId>,
    body: Body<MoveRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let moved = state
        .offers
        .move_to(caller.user.id, &id, body.showtime_id, body.seats)
        .await?;
    Ok(HttpResponse::Ok().json(moved))
}

/// Take the refund now. One decision per booking.
#[utoipa::path(post, path = "/api/v1/bookings/{id}/offer/refund", tag = "bookings", security(("bearer" = [])),
    params(("id" = BookingId, Path, description = "the cancelled showtime's booking")),
    responses((status = 200, description = "the refund goes ahead", body = OfferView),
        (status = 409, description = "`offer_decided`", body = Problem, content_type = "application/problem+json"),
        Missing, SignedIn))]
pub async fn refund(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<BookingId>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.offers.choose_refund(caller.user.id, &id).await?))
}
