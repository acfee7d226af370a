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

/// The class drawn two cells wide and sold as one seat for two (the back
/// office's layout parser names it).
pub use crate::catalog::layout::COUPLE;

/// An auditorium's seats, shared by every showtime in that auditorium (a
/// week of showtimes need not hold a week of copies).
#[derive(Debug, PartialEq, Eq)]
pub struct Layout {
    seats: Vec<SeatDef>,
    index: HashMap<String, usize>,
    /// Runs of seats side by side in one row with no aisle between them, left
    /// to right: what the seating rules look at (couple seats included: they
    /// are seats beside others, only never left "alone" themselves).
    blocks: Vec<Vec<usize>>,
    /// Each seat's block and its place in it.
    places: Vec<(usize, usize)>,
    /// Each grid row's leftmost column and the column after its rightmost
    /// seat: where best seats find a row's centre without a scan per request.
    row_extents: HashMap<i64, (i64, i64)>,
}

impl SeatDef {
    /// Grid columns the seat takes.
    pub fn width(&self) -> i64 {
        if self.class == COUPLE { 2 } else { 1 }
    }

    pub fn is_couple(&self) -> bool {
        self.class == COUPLE
    }
}

impl Layout {
    pub fn new(seats: Vec<SeatDef>) -> Layout {
        let index = seats
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        let mut order: Vec<usize> = (0..seats.len()).collect();
        order.sort_by_key(|&i| seats.get(i).map(|s| (s.grid_row, s.grid_col)));
        let mut blocks: Vec<Vec<usize>> = Vec::new();
        let mut places = vec![(0, 0); seats.len()];
        let mut previous: Option<&SeatDef> = None;
        for position in order {
            let Some(seat) = seats.get(position) else {
                continue;
            };
            let beside = previous.is_some_and(|p| {
                p.grid_row == seat.grid_row && p.grid_col + p.width() == seat.grid_col
            });
            if !beside {
                blocks.push(Vec::new());
            }
            if let Some(block) = blocks.last_mut() {
                block.push(position);
            }
            previous = Some(seat);
        }
        for (b, block) in blocks.iter().enumerate() {
            for (k, &position) in block.iter().enumerate() {
                if let Some(place) = places.get_mut(position) {
                    *place = (b, k);
                }
            }
        }
        let mut row_extents: HashMap<i64, (i64, i64)> = HashMap::new();
        for seat in &seats {
            let extent = row_extents
                .entry(seat.grid_row)
                .or_insert((seat.grid_col, seat.grid_col + seat.width()));
            extent.0 = extent.0.min(seat.grid_col);
            extent.1 = extent.1.max(seat.grid_col + seat.width());
        }
        Layout {
            seats,
            index,
            blocks,
            places,
            row_extents,
        }
    }

    /// Grid rows, counted from the screen (the last row's number + 1).
    pub fn rows(&self) -> i64 {
        self.row_extents.keys().max().map_or(0, |r| r + 1)
    }

    /// The centre of grid row `row`, in grid columns.
    pub fn row_centre(&self, row: i64) -> Option<f64> {
        // Columns are few (100 at most): exact in f64.
        #[allow(clippy::cast_precision_loss)]
        self.row_extents
            .get(&row)
            .map(|(left, right)| (left + right) as f64 / 2.0)
    }

    /// The runs of seats side by side (see `blocks`).
    pub fn blocks(&self) -> &[Vec<usize>] {
        &self.blocks
    }

    /// The block a seat is in, and its place in it.
    pub fn place(&self, position: usize) -> Option<(usize, usize)> {
        self.places.get(position).copied()
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
