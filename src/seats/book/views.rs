//! What clients are shown of the book: the seat map, and a booking's state
//! right after a change.

use std::sync::Arc;

use serde::Serialize;

use super::{Booking, SeatBook};
use crate::seats::types::*;

/// One seat of the seat map as a client sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SeatView {
    pub id: String,
    pub row: String,
    pub number: i64,
    pub class: String,
    pub grid_row: i64,
    pub grid_col: i64,
    pub status: SeatStatus,
    pub mine: bool,
}

/// The seat map as served: `GET /showtimes/{id}/seats`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SeatMapDoc {
    pub showtime_id: ShowtimeId,
    pub status: ShowtimeStatus,
    pub version: u64,
    pub seats_total: usize,
    pub seats_available: usize,
    /// Whether a change may not leave one free seat alone in a row
    /// (`booking.no_single_gap`, DESIGN 4c): the page greys out, from this
    /// map alone, the seats a click would strand.
    pub no_single_gap: bool,
    pub seats: Vec<SeatView>,
}

/// What a booking summary shows of its showtime; fixed once scheduled, so it
/// is loaded with the showtime and answers come from memory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ShowtimeInfo {
    pub movie_id: i64,
    pub movie_title: String,
    pub cinema_id: i64,
    pub cinema: String,
    pub auditorium: String,
    pub starts_at: i64,
    pub ends_at: i64,
    /// The cinema's IANA time zone, in which its times are shown.
    pub timezone: String,
}

/// A seat of a booking with its class and the price it was locked at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SeatLine {
    pub id: String,
    pub class: String,
    pub price: i64,
}

/// A booking as its owner sees it right after a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BookingState {
    pub booking_id: BookingId,
    pub showtime_id: ShowtimeId,
    pub status: BookingStatus,
    pub seats: Vec<SeatLine>,
    pub created_at: i64,
    pub expires_at: i64,
    pub showtime_status: ShowtimeStatus,
    #[schema(value_type = ShowtimeInfo)]
    pub showtime: Arc<ShowtimeInfo>,
}

impl SeatBook {
    /// The seat map at `now`; `viewer`'s own locks are marked `mine`.
    pub fn seat_map(&self, viewer: Option<UserId>, now: i64) -> Vec<SeatView> {
        self.layout
            .iter()
            .zip(&self.states)
            .map(|(def, state)| {
                let (status, _) = state.public_at(now);
                let mine = match state {
                    super::SeatState::Locked { booking, .. } if status == SeatStatus::Locked => {
                        viewer.is_some() && self.bookings.get(booking).map(|b| b.user_id) == viewer
                    }
                    _ => false,
                };
                SeatView {
                    id: def.id.clone(),
                    row: def.row.clone(),
                    number: def.number,
                    class: def.class.clone(),
                    grid_row: def.grid_row,
                    grid_col: def.grid_col,
                    status,
                    mine,
                }
            })
            .collect()
    }

    /// The seat map document the API serves.
    pub fn seat_map_doc(&self, viewer: Option<UserId>, now: i64) -> SeatMapDoc {
        let seats = self.seat_map(viewer, now);
        SeatMapDoc {
            showtime_id: self.showtime_id,
            status: self.showtime_status(),
            version: self.version,
            seats_total: seats.len(),
            seats_available: seats
                .iter()
                .filter(|s| s.status == SeatStatus::Available)
                .count(),
            no_single_gap: self.rules.no_single_gap,
            seats,
        }
    }

    pub(super) fn state_of(&self, booking: &Booking) -> BookingState {
        BookingState {
            booking_id: booking.id.clone(),
            showtime_id: self.showtime_id,
            status: booking.status,
            seats: booking
                .seats
                .iter()
                .filter_map(|s| {
                    let def = self.layout.seat(s.seat)?;
                    Some(SeatLine {
                        id: def.id.clone(),
                        class: def.class.clone(),
                        price: s.price,
                    })
                })
                .collect(),
            created_at: booking.created_at,
            expires_at: booking.expires_at,
            showtime_status: self.showtime_status(),
            showtime: self.info.clone(),
        }
    }
}
