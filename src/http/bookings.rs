//! /bookings and /tickets: the customer's own things (404 for anyone else's).

use actix_web::{HttpResponse, http::header, web};
use serde::Deserialize;

use super::{
    auth::{Caller, Staff},
    body::Body,
    openapi::{self, JsonBody, Missing, Problem, SignedIn},
};
use crate::{
    bookings::{BookingSummary, PaymentCheckout, SeatEdit},
    error::AppResult,
    ids::{BookingId, ShowtimeId, TicketId},
    state::AppState,
    tickets::{Admission, Ticket},
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/bookings", web::post().to(create))
        .route("/bookings", web::get().to(list))
        .route("/showtimes/{id}/best-seats", web::post().to(best_seats))
        .route("/bookings/{id}", web::get().to(show))
        .route("/bookings/{id}", web::delete().to(release))
        .route("/bookings/{id}/seats", web::post().to(add_seat))
        .route("/bookings/{id}/seats/{seat}", web::delete().to(remove_seat))
        .route("/bookings/{id}/payment", web::post().to(pay))
        .route("/tickets", web::get().to(list_tickets))
        .route("/tickets/{id}", web::get().to(show_ticket))
        .route("/tickets/{id}/qr.svg", web::get().to(ticket_qr))
        .route("/checkin", web::post().to(check_in));
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewBooking {
    showtime_id: ShowtimeId,
    /// Seat ids of the showtime's map (`"C5"`), all locked or none.
    #[schema(min_items = 1, max_items = 8, inline, value_type = Vec<SeatName>)]
    seats: Vec<String>,
}

/// A seat's id on the map: a row letter and a number (`"C5"`).
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, pattern = r"^[A-Z]{1,2}[0-9]{1,3}$", example = "C5")]
#[allow(dead_code)] // names the seat-id schema only
pub struct SeatName(String);

/// Lock seats for a new booking: all of them or none.
#[utoipa::path(post, path = "/api/v1/bookings", tag = "bookings", request_body = NewBooking,
    security(("bearer" = [])),
    responses((status = 201, description = "held", body = BookingSummary),
        (status = 409, description = "`seat_unavailable` (see `seats`), `booking_already_open` (see `booking_id`), `showtime_cancelled`, `showtime_started`, `hold_limit`, `rehold_cooldown` (see `seats`, `retry_after`), `single_seat_gap` (see `seats`, `alternatives`), `wheelchair_companion` (see `seats`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`hold_rate`: wait `retry_after` seconds", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_body`, `no_seats`, `too_many_seats`, `unknown_seat`: a seat that is not in this showtime (see `errors`)", body = Problem, content_type = "application/problem+json"),
        Missing, SignedIn, JsonBody))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: Body<NewBooking>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let booking = state
        .bookings
        .hold(
            caller.user.id,
            caller.is_admin(),
            body.showtime_id,
            body.seats,
        )
        .await?;
    Ok(created(booking))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BestSeats {
    /// How many adjacent seats (a couple seat counts as one).
    #[schema(minimum = 1, maximum = 8)]
    count: u32,
    /// Only seats of this class (`regular`, `couple`, …); without it any
    /// class but couple seats and wheelchair spaces.
    #[schema(min_length = 1, max_length = 20)]
    class: Option<String>,
}

/// Hold the best `count` adjacent seats for a new booking (DESIGN 4c): the
/// block nearest the ideal row (0.6 of the way back from the screen) and the
/// row's centre, leaving no seat alone where it can; held as a normal hold.
#[utoipa::path(post, path = "/api/v1/showtimes/{id}/best-seats", tag = "bookings", request_body = BestSeats,
    security(("bearer" = [])),
    params(("id" = ShowtimeId, Path, description = "the showtime")),
    responses((status = 201, description = "held", body = BookingSummary),
        (status = 409, description = "`not_enough_adjacent` (see `largest_block`), `wheelchair_companion` (`class: wheelchair`: a space is picked on the map with its companion seat), `booking_already_open` (see `booking_id`), `showtime_cancelled`, `showtime_started`, `hold_limit`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`hold_rate`: wait `retry_after` seconds", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_body`, `no_seats`, `too_many_seats`", body = Problem, content_type = "application/problem+json"),
        Missing, SignedIn, JsonBody))]
pub async fn best_seats(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<ShowtimeId>,
    body: Body<BestSeats>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let count = usize::try_from(body.count).unwrap_or(usize::MAX);
    let booking = state
        .bookings
        .hold_best(caller.user.id, path.into_inner(), count, body.class)
        .await?;
    Ok(created(booking))
}

/// 201 with the new booking and where it lives.
fn created(booking: BookingSummary) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/bookings/{}", booking.id)))
        .json(booking)
}

/// The caller's bookings, newest first.
#[utoipa::path(get, path = "/api/v1/bookings", tag = "bookings", security(("bearer" = [])),
    responses((status = 200, description = "bookings", body = Vec<BookingSummary>), SignedIn))]
pub async fn list(state: web::Data<AppState>, caller: Caller) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.bookings.list(caller.user.id).await?))
}

/// A booking's summary: showtime, seats, price lines, total, status, refund.
#[utoipa::path(get, path = "/api/v1/bookings/{id}", tag = "bookings", security(("bearer" = [])),
    params(("id" = BookingId, Path, description = "the booking")),
    responses((status = 200, description = "the booking", body = BookingSummary), Missing, SignedIn))]
pub async fn show(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<BookingId>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.bookings.summary(caller.user.id, &id).await?))
}

/// Give the hold up: its seats are free at once.
#[utoipa::path(delete, path = "/api/v1/bookings/{id}", tag = "bookings", security(("bearer" = [])),
    params(("id" = BookingId, Path, description = "the booking")),
    responses((status = 204, description = "released (or already over)"),
        (status = 409, description = "`booking_paid`", body = Problem, content_type = "application/problem+json"), Missing, SignedIn))]
pub async fn release(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<BookingId>,
) -> AppResult<HttpResponse> {
    state.bookings.release(caller.user.id, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SeatChoice {
    #[schema(inline, value_type = SeatName)]
    seat: String,
}

/// Add one seat to a held booking (the hold's deadline does not move).
#[utoipa::path(post, path = "/api/v1/bookings/{id}/seats", tag = "bookings", request_body = SeatChoice,
    security(("bearer" = [])),
    params(("id" = BookingId, Path, description = "the booking")),
    responses((status = 200, description = "the booking", body = BookingSummary), (status = 409, description = "`seat_unavailable`, `booking_expired`, `booking_awaiting_payment`, `booking_paid`, `booking_closed`, `showtime_cancelled`, `showtime_started`, `hold_limit`, `rehold_cooldown`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_body`, `too_many_seats`, `unknown_seat`: a seat that is not in this showtime", body = Problem, content_type = "application/problem+json"),
        Missing, SignedIn, JsonBody))]
pub async fn add_seat(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<BookingId>,
    body: Body<SeatChoice>,
) -> AppResult<HttpResponse> {
    let booking = state
        .bookings
        .edit_seat(
            caller.user.id,
            caller.is_admin(),
            &id,
            body.into_inner().seat,
            SeatEdit::Add,
        )
        .await?;
    Ok(HttpResponse::Ok().json(booking))
}

/// Take one seat out of a held booking.
#[utoipa::path(delete, path = "/api/v1/bookings/{id}/seats/{seat}", tag = "bookings",
    security(("bearer" = [])),
    params(("id" = BookingId, Path, description = "the booking"), ("seat" = String, Path, description = "a seat of the booking")),
    responses((status = 200, description = "the booking", body = BookingSummary), (status = 409, description = "`seat_unavailable`, `booking_expired`, `booking_awaiting_payment`, `booking_paid`, `booking_closed`, `showtime_cancelled`, `showtime_started`, `hold_limit`, `rehold_cooldown`", body = Problem, content_type = "application/problem+json"), Missing, SignedIn))]
pub async fn remove_seat(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(BookingId, String)>,
) -> AppResult<HttpResponse> {
    let (id, seat) = path.into_inner();
    let booking = state
        .bookings
        .edit_seat(
            caller.user.id,
            caller.is_admin(),
            &id,
            seat,
            SeatEdit::Remove,
        )
        .await?;
    Ok(HttpResponse::Ok().json(booking))
}

/// Freeze the booking's seats and open a payment (the same one if it is already open).
#[utoipa::path(post, path = "/api/v1/bookings/{id}/payment", tag = "bookings",
    security(("bearer" = [])),
    params(("id" = BookingId, Path, description = "the booking")),
    responses((status = 201, description = "payment opened", body = PaymentCheckout),
        (status = 200, description = "the payment already open", body = PaymentCheckout),
        (status = 409, description = "`booking_expired`, `booking_paid`, `booking_closed`, `showtime_cancelled`, `payment_opening`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`booking_empty`", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "`gateway_unavailable`: the gateway could not open the payment; the hold is as it was, try again", body = Problem, content_type = "application/problem+json"),
        (status = 504, description = "`gateway_timeout`: the gateway did not answer in time; the hold is as it was, try again", body = Problem, content_type = "application/problem+json"), Missing, SignedIn))]
pub async fn pay(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<BookingId>,
) -> AppResult<HttpResponse> {
    let checkout = state.bookings.start_payment(caller.user.id, &id).await?;
    let mut response = if checkout.created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(response.json(checkout))
}

/// The caller's tickets, with their check-in codes.
#[utoipa::path(get, path = "/api/v1/tickets", tag = "tickets", security(("bearer" = [])),
    responses((status = 200, description = "tickets", body = Vec<Ticket>), SignedIn))]
pub async fn list_tickets(state: web::Data<AppState>, caller: Caller) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.tickets.list(caller.user.id).await?))
}

/// One ticket.
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "tickets", security(("bearer" = [])),
    params(("id" = TicketId, Path, description = "the ticket")),
    responses((status = 200, description = "the ticket", body = Ticket), Missing, SignedIn))]
pub async fn show_ticket(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<TicketId>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.tickets.get(caller.user.id, &id).await?))
}

#[utoipa::path(get, path = "/api/v1/tickets/{id}/qr.svg", tag = "tickets", security(("bearer" = [])),
    params(("id" = TicketId, Path, description = "the ticket")),
    responses((status = 200, description = "the QR code", content_type = "image/svg+xml", body = String), Missing, SignedIn))]
/// The ticket's check-in code as a QR image.
pub async fn ticket_qr(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<TicketId>,
) -> AppResult<HttpResponse> {
    let svg = state.tickets.qr_svg(caller.user.id, &id).await?;
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header((header::CACHE_CONTROL, "private, max-age=3600"))
        .body(svg))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Scan {
    /// The code in the ticket's QR.
    #[schema(max_length = 256)]
    code: String,
    /// The showtime this gate admits for; tickets of other showtimes are refused.
    showtime_id: Option<ShowtimeId>,
}

/// A scan at the door: 200 admits, 409 `already_used` / `ticket_refunded`, 404 unknown.
#[utoipa::path(post, path = "/api/v1/checkin", tag = "tickets", request_body = Scan,
    security(("bearer" = [])),
    responses((status = 200, description = "admitted", body = Admission),
        (status = 404, description = "`not_found`: nobody issued this code", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_used` (see `checked_in_at`), `ticket_refunded`, `wrong_showtime`, `doors_not_open`, `showtime_over`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_body`", body = Problem, content_type = "application/problem+json"), openapi::Staff, JsonBody))]
pub async fn check_in(
    state: web::Data<AppState>,
    _staff: Staff,
    body: Body<Scan>,
) -> AppResult<HttpResponse> {
    let admitted = state.tickets.check_in(&body.code, body.showtime_id).await?;
    Ok(HttpResponse::Ok().json(admitted))
}
