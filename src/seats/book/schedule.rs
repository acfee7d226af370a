//! The back office's changes to one showtime's schedule (DESIGN 4a): its
//! prices, its time, its deletion. The actor makes them, so they are
//! serialized with every hold: a price applies to the holds made after it
//! (a held or paid seat keeps the price it was locked at), a showtime moves
//! only while nothing is held, awaiting payment or sold, and only a showtime
//! nobody ever booked and without a blocked seat is deleted.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::Arc,
};

use serde::Serialize;

use super::{Op, SeatBook, SeatState};
use crate::{
    error::{AppError, AppResult, FieldError},
    seats::types::*,
};

/// The highest price of a seat (in the smallest unit of the currency).
pub const MAX_PRICE: i64 = 100_000_000;

/// Prices against the seat classes of a layout: each amount 0 to
/// [`MAX_PRICE`], each class one the layout has, and with `complete` a
/// price for every class it has. 422 `invalid_prices` naming `prices.<class>`.
pub fn check_prices(
    classes: &BTreeSet<String>,
    prices: &BTreeMap<String, i64>,
    complete: bool,
) -> AppResult<()> {
    let mut errors = Vec::new();
    let known = classes.iter().cloned().collect::<Vec<_>>().join(", ");
    for (class, amount) in prices {
        if !classes.contains(class) {
            errors.push(FieldError::new(
                format!("prices.{class}"),
                format!("{class} is not a seat class of this auditorium (it has {known})"),
            ));
        } else if !(0..=MAX_PRICE).contains(amount) {
            errors.push(FieldError::new(
                format!("prices.{class}"),
                format!("must be 0 to {MAX_PRICE}"),
            ));
        }
    }
    if complete {
        for class in classes.iter().filter(|c| !prices.contains_key(*c)) {
            errors.push(FieldError::new(
                format!("prices.{class}"),
                format!("needs a price: the auditorium has {class} seats"),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation {
            code: "invalid_prices",
            detail: "every seat class of the auditorium needs a price, and only those".into(),
            errors,
        })
    }
}

/// A new time for a showtime, with what the write needs to refuse a collision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTime {
    pub starts_at: i64,
    pub ends_at: i64,
    pub auditorium_id: i64,
    /// `catalog.cleaning_gap` in milliseconds.
    pub gap_ms: i64,
    pub timezone: chrono_tz::Tz,
}

/// `PATCH /admin/showtimes/{id}`: new prices (the classes named; the others
/// keep theirs), a new time, or both, all or none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reschedule {
    pub prices: Option<BTreeMap<String, i64>>,
    pub time: Option<NewTime>,
}

/// What the audit trail records of a showtime's schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Schedule {
    pub starts_at: String,
    pub ends_at: String,
    pub prices: BTreeMap<String, i64>,
}

impl SeatBook {
    /// The seat classes of this showtime's layout.
    pub fn classes(&self) -> BTreeSet<String> {
        self.layout.iter().map(|s| s.class.clone()).collect()
    }

    /// Whether the showtime was deleted (its actor answers 404 from then on).
    pub fn is_deleted(&self) -> bool {
        self.deleted
    }

    pub fn schedule(&self, tz: chrono_tz::Tz) -> Schedule {
        Schedule {
            starts_at: crate::clock::rfc3339(self.info.starts_at, tz),
            ends_at: crate::clock::rfc3339(self.info.ends_at, tz),
            prices: self.prices.iter().map(|(c, a)| (c.clone(), *a)).collect(),
        }
    }

    /// Whether anything is held, awaiting payment or sold.
    fn has_live_bookings(&self) -> bool {
        self.bookings
            .values()
            .any(|b| b.status.is_open() || b.status == BookingStatus::Paid)
    }

    /// Changes prices and/or the time, all or none. A move is refused while
    /// anything is held, awaiting payment or sold (409
    /// `showtime_has_bookings`), once the showtime has started, and for a
    /// cancelled showtime; whether it collides with another showtime is
    /// decided by the write ([`Op::MoveShowtime`]), atomically with it.
    pub fn reschedule(&mut self, edit: &Reschedule, now: i64, ops: &mut Vec<Op>) -> AppResult<()> {
        self.expire_due(now, ops);
        if self.cancelled {
            return Err(AppError::ShowtimeCancelled);
        }
        if let Some(prices) = &edit.prices {
            check_prices(&self.classes(), prices, false)?;
        }
        if edit.time.is_some() {
            if now >= self.info.starts_at {
                return Err(AppError::ShowtimeStarted);
            }
            if self.has_live_bookings() {
                return Err(AppError::conflict(
                    "showtime_has_bookings",
                    "seats of this showtime are held, being paid or sold: it cannot move; cancel it instead",
                ));
            }
        }
        if let Some(prices) = &edit.prices {
            for (class, amount) in prices {
                self.prices.insert(class.clone(), *amount);
            }
            ops.push(Op::SetPrices {
                showtime_id: self.showtime_id,
                prices: prices.iter().map(|(c, a)| (c.clone(), *a)).collect(),
            });
        }
        if let Some(time) = &edit.time {
            let mut info = (*self.info).clone();
            info.starts_at = time.starts_at;
            info.ends_at = time.ends_at;
            self.info = Arc::new(info);
            self.version += 1;
            ops.push(Op::MoveShowtime {
                showtime_id: self.showtime_id,
                time: time.clone(),
            });
        }
        Ok(())
    }

    /// Deletes a showtime nobody ever booked (no booking of any status) and
    /// without a blocked seat; 409 `showtime_has_bookings` otherwise. The
    /// write deletes only under the same condition.
    pub fn delete(&mut self, ops: &mut Vec<Op>) -> AppResult<()> {
        let blocked = self.states.contains(&SeatState::Blocked);
        if !self.bookings.is_empty() || blocked {
            return Err(AppError::conflict(
                "showtime_has_bookings",
                "this showtime has bookings or blocked seats: it cannot be deleted; cancel it instead",
            ));
        }
        self.deleted = true;
        self.version += 1;
        ops.push(Op::DeleteShowtime {
            showtime_id: self.showtime_id,
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_name_the_missing_unknown_and_out_of_range_classes() {
        let classes: BTreeSet<String> = ["regular", "premium"].map(String::from).into();
        let full: BTreeMap<String, i64> =
            [("regular".to_string(), 50_000), ("premium".to_string(), 0)].into();
        assert!(check_prices(&classes, &full, true).is_ok());
        let partial: BTreeMap<String, i64> = [("premium".to_string(), 75_000)].into();
        assert!(check_prices(&classes, &partial, false).is_ok());
        let bad: BTreeMap<String, i64> = [
            ("couple".to_string(), 1),
            ("premium".to_string(), MAX_PRICE + 1),
        ]
        .into();
        let Err(AppError::Validation { code, errors, .. }) = check_prices(&classes, &bad, true)
        else {
            panic!("refused");
        };
        assert_eq!(code, "invalid_prices");
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["prices.couple", "prices.premium", "prices.regular"]
        );
    }
}
