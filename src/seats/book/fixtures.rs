//! Books for the unit tests, laid out as the back office writes layouts
//! (`catalog::layout::parse`): `R` regular, `P` premium, `C` couple, `W`
//! wheelchair, `_` an aisle; rows `A`, `B`, … from the screen.

use std::{collections::BTreeMap, collections::HashMap, sync::Arc};

use super::{Layout, Rules, SeatBook, SeatDef, ShowtimeInfo};
use crate::seats::types::ShowtimeId;

pub const MINUTE: i64 = 60_000;

pub fn layout(rows: &[&str]) -> Layout {
    let classes: BTreeMap<String, String> = [
        ("R", "regular"),
        ("P", "premium"),
        ("C", "couple"),
        ("W", "wheelchair"),
    ]
    .into_iter()
    .map(|(letter, class)| (letter.to_string(), class.to_string()))
    .collect();
    let rows: Vec<String> = rows.iter().map(|r| r.to_string()).collect();
    let seats = crate::catalog::layout::parse(&classes, &rows).expect("a valid test layout");
    Layout::new(
        seats
            .into_iter()
            .map(|s| SeatDef {
                id: s.id,
                row: s.row,
                number: s.number,
                class: s.class,
                grid_row: s.grid_row,
                grid_col: s.grid_col,
            })
            .collect(),
    )
}

/// Ten-minute holds of at most `max_seats`, in IDR, no re-hold cooldown, the
/// no-lone-seat rule off: tests change what they are about.
pub fn rules(max_seats: usize) -> Rules {
    Rules {
        hold_ttl_ms: 10 * MINUTE,
        max_seats,
        currency: "IDR".into(),
        rehold_cooldown_ms: 0,
        no_single_gap: false,
    }
}

/// A showtime starting at minute 1,000 of `rows`, regular seats at 50,000
/// and premium ones at 75,000.
pub fn book(rows: &[&str], rules: Rules) -> SeatBook {
    let info = ShowtimeInfo {
        starts_at: 1_000 * MINUTE,
        ..ShowtimeInfo::default()
    };
    let prices = HashMap::from([
        ("regular".to_string(), 50_000),
        ("premium".to_string(), 75_000),
        ("couple".to_string(), 90_000),
        ("wheelchair".to_string(), 50_000),
    ]);
    SeatBook::new(
        ShowtimeId(1),
        Arc::new(info),
        false,
        rules,
        Arc::new(layout(rows)),
        prices,
    )
}
