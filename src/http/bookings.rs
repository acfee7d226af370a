//! /bookings and /tickets: the customer's own things (404 for anyone else's).

use actix_web::{HttpResponse, http::header, web};
use serde::Deserialize;

use super::auth::{Caller, Staff};
use crate::{
    bookings::SeatEdit,
    error::AppResult,
    ids::{BookingId, ShowtimeId, TicketId},
    state::AppState,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/bookings", web::post().to(create))
        .route("/bookings", web::get().to(list))
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

#[derive(Deserialize)]
struct NewBooking {
    showtime_id: ShowtimeId,
    seats: Vec<String>,
}

async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<NewBooking>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let booking = state
        .bookings
        .hold(caller.user.id, body.showtime_id, body.seats)
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/bookings/{}", booking.id)))
        .json(booking))
}

async fn list(state: web::Data<AppState>, caller: Caller) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.bookings.list(caller.user.id).await?))
}

async fn show(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<BookingId>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.bookings.summary(caller.user.id, &id).await?))
}

async fn release(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<BookingId>,
) -> AppResult<HttpResponse> {
    state.bookings.release(caller.user.id, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
struct SeatChoice {
    seat: String,
}

async fn add_seat(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<BookingId>,
    body: web::Json<SeatChoice>,
) -> AppResult<HttpResponse> {
    let booking = state
        .bookings
        .edit_seat(caller.user.id, &id, body.into_inner().seat, SeatEdit::Add)
        .await?;
    Ok(HttpResponse::Ok().json(booking))
}

async fn remove_seat(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(BookingId, String)>,
) -> AppResult<HttpResponse> {
    let (id, seat) = path.into_inner();
    let booking = state
        .bookings
        .edit_seat(caller.user.id, &id, seat, SeatEdit::Remove)
        .await?;
    Ok(HttpResponse::Ok().json(booking))
}

async fn pay(
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

async fn list_tickets(state: web::Data<AppState>, caller: Caller) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.tickets.list(caller.user.id).await?))
}

async fn show_ticket(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<TicketId>,
) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.tickets.get(caller.user.id, &id).await?))
}

/// The ticket's check-in code as a QR image.
async fn ticket_qr(
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

#[derive(Deserialize)]
struct Scan {
    code: String,
    /// The showtime this gate admits for; tickets of other showtimes are refused.
    showtime_id: Option<ShowtimeId>,
}

/// A scan at the door: 200 admits, 409 `already_used` / `ticket_refunded`, 404 unknown.
async fn check_in(
    state: web::Data<AppState>,
    _staff: Staff,
    body: web::Json<Scan>,
) -> AppResult<HttpResponse> {
    let admitted = state.tickets.check_in(&body.code, body.showtime_id).await?;
    Ok(HttpResponse::Ok().json(admitted))
}
