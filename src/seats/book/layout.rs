//! An auditorium's seats as laid out: fixed while a showtime sells, shared
//! by every showtime in that auditorium.

use std::collections::HashMap;

use serde::Serialize;

/// A seat of the auditorium, as laid out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SeatDef {
    pub id: String,
    pub row: String,
    pub number: i64,
    pub class: String,
    pub grid_row: i64,
    pub grid_col: i64,
}

/// An auditorium's seats, shared by every showtime in that auditorium (a
/// week of showtimes need not hold a week of copies).
#[derive(Debug, PartialEq, Eq)]
pub struct Layout {
    seats: Vec<SeatDef>,
    index: HashMap<String, usize>,
}

impl Layout {
    pub fn new(seats: Vec<SeatDef>) -> Layout {
        let index = seats
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        Layout { seats, index }
    }

    /// Where a seat sits in the layout (and in a showtime's seat states).
    pub fn position(&self, seat_id: &str) -> Option<usize> {
        self.index.get(seat_id).copied()
    }

    pub fn seat(&self, position: usize) -> Option<&SeatDef> {
        self.seats.get(position)
    }

    /// The seat's name ("C5"); empty for a position outside the layout,
    /// which the book never hands out.
    pub fn seat_id(&self, position: usize) -> &str {
        self.seat(position).map_or("", |s| s.id.as_str())
    }

    /// The seat's class ("regular"); empty outside the layout, like `seat_id`.
    pub fn class_of(&self, position: usize) -> &str {
        self.seat(position).map_or("", |s| s.class.as_str())
    }
}

impl std::ops::Deref for Layout {
    type Target = [SeatDef];

    fn deref(&self) -> &[SeatDef] {
        &self.seats
    }
}
