//! Making seat changes durable, and loading a showtime back from SQLite.
//! The SQL lives in `sql/queries/seats/`.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use rusqlite::{Connection, OptionalExtension, params};

use super::{
    book::{
        BookedSeat, Booking, Layout, Op, Payment, Recalled, Rules, SeatBook, SeatDef, SeatState,
        ShowtimeInfo,
    },
    types::*,
};
use crate::{
    error::{AppError, AppResult},
    notify::{self, Message},
    refunds,
};

/// Applies ops in order. Any surprise (a seat row that is not where memory
/// says) is an error, so the caller's savepoint rolls the whole change back.
pub fn apply(conn: &Connection, ops: &[Op]) -> AppResult<()> {
    for op in ops {
        apply_one(conn, op)?;
    }
    Ok(())
}

fn apply_one(conn: &Connection, op: &Op) -> AppResult<()> {
    match op {
        Op::CreateBooking {
            id,
            showtime_id,
            user_id,
            now,
            expires_at,
        } => {
            conn.prepare_cached(query!("seats/insert_booking"))?
                .execute(params![id, showtime_id, user_id, now, expires_at])?;
        }
        Op::LockSeat {
            showtime_id,
            booking_id,
            seat_id,
            class,
            price,
            position,
            until,
            now,
        } => {
            let locked = conn
                .prepare_cached(query!("seats/lock_seat"))?
                .execute(params![showtime_id, seat_id, booking_id, until, now, class])?;
            expect_rows(locked, 1, "lock a seat that is free")?;
            conn.prepare_cached(query!("seats/insert_booking_seat"))?
                .execute(params![booking_id, seat_id, class, price, position])?;
        }
        Op::UnlockSeat {
            showtime_id,
            booking_id,
            seat_id,
        } => {
            let freed = conn
                .prepare_cached(query!("seats/unlock_seat"))?
                .execute(params![showtime_id, seat_id, booking_id])?;
            expect_rows(freed, 1, "unlock a seat the booking holds")?;
            conn.prepare_cached(query!("seats/delete_booking_seat"))?
                .execute(params![booking_id, seat_id])?;
        }
        Op::FreeSeats {
            showtime_id,
            booking_id,
        } => {
            conn.prepare_cached(query!("seats/free_seats"))?
                .execute(params![showtime_id, booking_id])?;
        }
        Op::SetBookingStatus {
            booking_id,
            status,
            now,
        } => {
            let changed = conn
                .prepare_cached(query!("seats/set_booking_status"))?
                .execute(params![booking_id, status.as_str(), now])?;
            expect_rows(changed, 1, "update a booking")?;
        }
        Op::CreatePayment {
            id,
            booking_id,
            provider,
            amount,
            currency,
            now,
            expires_at,
        } => {
            conn.prepare_cached(query!("seats/insert_payment"))?
                .execute(params![
                    id, booking_id, provider, amount, currency, now, expires_at
                ])?;
        }
        Op::SetPaymentStatus {
            payment_id,
            status,
            now,
            refund_reason,
        } => {
            let changed = conn
                .prepare_cached(query!("seats/set_payment_status"))?
                .execute(params![payment_id, status.as_str(), now, refund_reason])?;
            expect_rows(changed, 1, "update a payment")?;
        }
        Op::ExpireDue { showtime_id, now } => {
            conn.prepare_cached(query!("seats/expire_due_payments"))?
                .execute(params![showtime_id, now])?;
            conn.prepare_cached(query!("seats/expire_due_seats"))?
                .execute(params![showtime_id, now])?;
            conn.prepare_cached(query!("seats/expire_due_bookings"))?
                .execute(params![showtime_id, now])?;
        }
        Op::SellSeats {
            showtime_id,
            booking_id,
            user_id,
            payment_id,
            now,
            tickets,
        } => {
            let mut sell = conn.prepare_cached(query!("seats/sell_seat"))?;
            let mut issue = conn.prepare_cached(query!("seats/insert_ticket"))?;
            for ticket in tickets {
                let sold = sell.execute(params![showtime_id, ticket.seat_id, booking_id, now])?;
                expect_rows(sold, 1, "sell a seat")?;
                issue.execute(params![
                    ticket.id,
                    booking_id,
                    showtime_id,
                    ticket.seat_id,
                    user_id,
                    payment_id,
                    ticket.price,
                    now,
                    ticket.checkin_code
                ])?;
            }
            let eticket = notify::message::ETicket {
                booking_id: booking_id.clone(),
                payment_id: payment_id.clone(),
            };
            notify::to_user(conn, *user_id, &Message::ETicket(eticket), *now)?;
        }
        Op::BlockSeats {
            showtime_id,
            seat_ids,
            reason,
            by,
            now,
        } => {
            let mut block = conn.prepare_cached(query!("seats/block_seat"))?;
            for seat_id in seat_ids {
                let blocked = block.execute(params![showtime_id, seat_id, reason, now, by])?;
                expect_rows(blocked, 1, "block a seat that is free")?;
            }
        }
        Op::UnblockSeat {
            showtime_id,
            seat_id,
        } => {
            let unblocked = conn
                .prepare_cached(query!("seats/unblock_seat"))?
                .execute(params![showtime_id, seat_id])?;
            expect_rows(unblocked, 1, "unblock a blocked seat")?;
        }
        Op::Audit { entry, now } => {
            crate::audit::record(conn, entry, *now)?;
        }
        Op::QueueRefund { refund, now } => {
            refunds::record(conn, refund, *now)?;
        }
        Op::CancelShowtime {
            showtime_id,
            reason,
            now,
            refunds,
            offer,
        } => {
            let cancelled = conn
                .prepare_cached(query!("seats/cancel_showtime"))?
                .execute(params![showtime_id, now, reason])?;
            expect_rows(cancelled, 1, "cancel a scheduled showtime")?;
            for sql in [
                query!("seats/cancel_void_payments"),
                query!("seats/cancel_void_bookings"),
                query!("seats/cancel_refund_bookings"),
            ] {
                conn.prepare_cached(sql)?
                    .execute(params![showtime_id, now])?;
            }
            for sql in [
                query!("seats/cancel_refund_tickets"),
                query!("seats/cancel_free_seats"),
            ] {
                conn.prepare_cached(sql)?.execute(params![showtime_id])?;
            }
            if let Some(terms) = offer {
                for refund in refunds {
                    refunds::offers::record(
                        conn,
                        refund,
                        terms.move_until,
                        terms.decide_by,
                        reason,
                        *now,
                    )?;
                }
                return Ok(());
            }
            for refund in refunds {
                refunds::record(conn, refund, *now)?;
                let cancelled = notify::message::ShowtimeCancelled {
                    showtime_id: *showtime_id,
                    booking_id: refund.booking_id.clone(),
                    refund_id: refund.id.clone(),
                    amount: refund.amount,
                    currency: refund.currency.clone(),
                    reason: reason.clone(),
                };
                let message = Message::ShowtimeCancelled(cancelled);
                notify::to_user(conn, refund.user_id, &message, *now)?;
            }
        }
        Op::CreateMovedPayment {
            id,
            booking_id,
            paid_by,
            now,
        } => {
            let created = conn
                .prepare_cached(query!("offers/insert_moved_payment"))?
                .execute(params![id, booking_id, paid_by, now])?;
            expect_rows(created, 1, "record a moved booking's payment")?;
        }
        Op::CompleteMove {
            from_booking,
            booking_id,
            now,
        } => refunds::offers::complete_move(conn, from_booking, booking_id, *now)?,
        Op::SetPrices {
            showtime_id,
            prices,
        } => {
            let mut set = conn.prepare_cached(query!("seats/set_price"))?;
            for (class, amount) in prices {
                set.execute(params![showtime_id, class, amount])?;
            }
        }
        Op::MoveShowtime { showtime_id, time } => {
            let overlaps = overlapping(
                conn,
                time.auditorium_id,
                (time.starts_at, time.ends_at),
                time.gap_ms,
                Some(*showtime_id),
            )?;
            if !overlaps.is_empty() {
                let with = crate::clock::rfc3339(time.starts_at, time.timezone);
                return Err(AppError::ShowtimeOverlap {
                    overlaps: overlaps
                        .into_iter()
                        .map(|o| o.described(time.timezone, &with))
                        .collect(),
                });
            }
            let moved = conn
                .prepare_cached(query!("seats/move_showtime"))?
                .execute(params![showtime_id, time.starts_at, time.ends_at])?;
            expect_rows(moved, 1, "move a scheduled showtime")?;
        }
        Op::DeleteShowtime { showtime_id } => {
            for sql in [
                query!("seats/delete_showtime_prices"),
                query!("seats/delete_showtime_seats"),
            ] {
                conn.prepare_cached(sql)?.execute(params![showtime_id])?;
            }
            let deleted = conn
                .prepare_cached(query!("seats/delete_showtime"))?
                .execute(params![showtime_id])?;
            if deleted != 1 {
                // The savepoint rolls the prices back too.
                return Err(AppError::conflict(
                    "showtime_has_bookings",
                    "this showtime has bookings or blocked seats: it cannot be deleted; cancel it instead",
                ));
            }
        }
    }
    Ok(())
}

/// A scheduled showtime another one would collide with (UTC milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Collision {
    pub id: i64,
    pub starts_at: i64,
    pub ends_at: i64,
}

impl Collision {
    /// As the problem document names it; `with`: the colliding start.
    pub fn described(self, tz: chrono_tz::Tz, with: &str) -> crate::error::Overlap {
        crate::error::Overlap {
            id: Some(self.id),
            starts_at: crate::clock::rfc3339(self.starts_at, tz),
            ends_at: crate::clock::rfc3339(self.ends_at, tz),
            with_starts_at: with.to_string(),
        }
    }
}

/// The scheduled showtimes of an auditorium that a showtime at `[start,
/// end)` would overlap, or start or end less than `gap_ms` from; `except`
/// leaves one out (the showtime that moves). Used inside the write that
/// schedules, so the check is atomic with it.
pub fn overlapping(
    conn: &Connection,
    auditorium_id: i64,
    (starts_at, ends_at): (i64, i64),
    gap_ms: i64,
    except: Option<ShowtimeId>,
) -> AppResult<Vec<Collision>> {
    Ok(conn
        .prepare_cached(query!("seats/showtime_overlaps"))?
        .query_map(
            params![auditorium_id, starts_at, ends_at, gap_ms, except],
            |r| {
                Ok(Collision {
                    id: r.get(0)?,
                    starts_at: r.get(1)?,
                    ends_at: r.get(2)?,
                })
            },
        )?
        .collect::<Result<Vec<_>, _>>()?)
}

fn expect_rows(changed: usize, expected: usize, what: &str) -> AppResult<()> {
    if changed == expected {
        Ok(())
    } else {
        Err(AppError::Internal(format!(
            "refused to {what}: the database disagrees with memory ({changed} rows)"
        )))
    }
}

/// Which seats a showtime has: its auditorium's at one layout version, or
/// its own pinned copy (`showtime_seats`, kept by a layout edit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum LayoutKey {
    Auditorium { id: i64, version: i64 },
    Pinned(ShowtimeId),
}

/// Layouts already loaded: showtimes of one auditorium share one, until a
/// layout edit moves its version (the old entry is then never asked for).
#[derive(Debug, Default)]
pub struct LayoutCache(Mutex<HashMap<LayoutKey, Arc<Layout>>>);

impl LayoutCache {
    fn get_or_load(
        &self,
        conn: &Connection,
        showtime_id: ShowtimeId,
        auditorium_id: i64,
    ) -> AppResult<Arc<Layout>> {
        let (pinned, version): (bool, i64) = conn
            .prepare_cached(query!("seats/layout_key"))?
            .query_row(params![showtime_id, auditorium_id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        let key = if pinned {
            LayoutKey::Pinned(showtime_id)
        } else {
            LayoutKey::Auditorium {
                id: auditorium_id,
                version,
            }
        };
        if let Some(layout) = self.0.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return Ok(layout);
        }
        let mut stmt = if pinned {
            conn.prepare_cached(query!("seats/load_pinned_layout"))?
        } else {
            conn.prepare_cached(query!("seats/load_layout"))?
        };
        let id: &dyn rusqlite::ToSql = if pinned { &showtime_id } else { &auditorium_id };
        let seats = stmt
            .query_map([id], |r| {
                Ok(SeatDef {
                    id: r.get(0)?,
                    row: r.get(1)?,
                    number: r.get(2)?,
                    class: r.get(3)?,
                    grid_row: r.get(4)?,
                    grid_col: r.get(5)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let layout = Arc::new(Layout::new(seats));
        if let Ok(mut cache) = self.0.lock() {
            // Older versions of this auditorium are never asked for again.
            cache.retain(|k, _| {
                !matches!((k, key), (LayoutKey::Auditorium { id, .. }, LayoutKey::Auditorium { id: new, .. }) if *id == new)
            });
            cache.insert(key, layout.clone());
        }
        Ok(layout)
    }
}

/// Rebuilds a showtime's seat book from the database; `None` when the
/// showtime does not exist. Expired holds are kept as they are stored: the
/// actor expires them with its first message.
/// Loads a showtime's book as it stands at `now`: its seats, and the
/// bookings that belong in memory (open, paid, or ended less than
/// [`super::book::ENDED_KEPT_MS`] ago), with their payments.
pub fn load(
    conn: &Connection,
    showtime_id: ShowtimeId,
    rules: Rules,
    layouts: &LayoutCache,
    now: i64,
) -> AppResult<Option<SeatBook>> {
    let kept_since = super::book::kept_since(now);
    let Some((status, auditorium_id, info)) = conn
        .prepare_cached(query!("seats/load_showtime"))?
        .query_row(params![showtime_id], |r| {
            Ok((
                r.get::<_, ShowtimeStatus>(0)?,
                r.get::<_, i64>(1)?,
                ShowtimeInfo {
                    movie_id: r.get(2)?,
                    movie_title: r.get(3)?,
                    cinema_id: r.get(4)?,
                    cinema: r.get(5)?,
                    auditorium: r.get(6)?,
                    starts_at: r.get(7)?,
                    ends_at: r.get(8)?,
                    timezone: r.get(9)?,
                },
            ))
        })
        .optional()?
    else {
        return Ok(None);
    };

    let layout = layouts.get_or_load(conn, showtime_id, auditorium_id)?;
    let prices: HashMap<String, i64> =
        rows_of(conn, query!("seats/load_prices"), showtime_id, |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .into_iter()
        .collect();
    let mut book = SeatBook::new(
        showtime_id,
        Arc::new(info),
        status == ShowtimeStatus::Cancelled,
        rules,
        layout,
        prices,
    );

    let mut seats_of: HashMap<BookingId, Vec<BookedSeat>> = HashMap::new();
    let rows = rows_since(
        conn,
        query!("seats/load_booking_seats"),
        showtime_id,
        kept_since,
        |r| {
            Ok((
                r.get::<_, BookingId>(0)?,
                r.get::<_, String>(1)?,
                r.get(2)?,
                r.get(3)?,
            ))
        },
    )?;
    for (booking_id, seat_id, price, position) in rows {
        let seat = book.seat_index(&seat_id).ok_or_else(|| {
            corrupt(
                showtime_id,
                format!("booking seat {seat_id} is not in the layout"),
            )
        })?;
        seats_of.entry(booking_id).or_default().push(BookedSeat {
            seat,
            price,
            position,
        });
    }

    let bookings = rows_since(
        conn,
        query!("seats/load_bookings"),
        showtime_id,
        kept_since,
        booking_of_row,
    )?;
    for mut booking in bookings {
        booking.seats = seats_of.remove(&booking.id).unwrap_or_default();
        book.restore_booking(booking);
    }

    let payments = rows_since(
        conn,
        query!("seats/load_payments"),
        showtime_id,
        kept_since,
        payment_of_row,
    )?;
    for payment in payments {
        book.restore_payment(payment);
    }

    let occupancy = rows_of(conn, query!("seats/load_occupancy"), showtime_id, |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, BookingId>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<i64>>(3)?,
        ))
    })?;
    for (seat_id, booking, state, until) in occupancy {
        let seat = book.seat_index(&seat_id).ok_or_else(|| {
            corrupt(
                showtime_id,
                format!("occupied seat {seat_id} is not in the layout"),
            )
        })?;
        let state = match (state.as_str(), until) {
            ("sold", _) => SeatState::Sold { booking },
            ("locked", Some(until)) => SeatState::Locked { booking, until },
            _ => {
                return Err(corrupt(
                    showtime_id,
                    format!("seat {seat_id} in state {state}"),
                ));
            }
        };
        book.restore_seat(seat, state);
    }

    // After occupancy: a lock that ran out may still have its row (its
    // cleanup waits in the background lane) beside the block that followed.
    let blocked = rows_of(conn, query!("seats/load_blocked"), showtime_id, |r| {
        r.get::<_, String>(0)
    })?;
    for seat_id in blocked {
        let seat = book.seat_index(&seat_id).ok_or_else(|| {
            corrupt(
                showtime_id,
                format!("blocked seat {seat_id} is not in the layout"),
            )
        })?;
        book.restore_seat(seat, SeatState::Blocked);
    }
    Ok(Some(book))
}

/// Showtimes that have holds to recover (and maybe expire) after a restart.
pub fn showtimes_with_open_bookings(conn: &Connection) -> AppResult<Vec<ShowtimeId>> {
    Ok(conn
        .prepare_cached(query!("seats/showtimes_with_open_bookings"))?
        .query_map([], |r| r.get(0))?
        .collect::<Result<Vec<_>, _>>()?)
}

/// Reads back the ended booking `booking_id`, or the one `payment_id` paid
/// for, of this showtime (see [`SeatBook::recall`]); `None` when there is none.
pub fn recall(
    conn: &Connection,
    showtime_id: ShowtimeId,
    booking_id: Option<&str>,
    payment_id: Option<&str>,
    layout: &Layout,
) -> AppResult<Option<Recalled>> {
    let Some(mut booking) = conn
        .prepare_cached(query!("seats/recall_booking"))?
        .query_row(params![showtime_id, booking_id, payment_id], booking_of_row)
        .optional()?
    else {
        return Ok(None);
    };
    let seats = conn
        .prepare_cached(query!("seats/recall_booking_seats"))?
        .query_map(params![booking.id], |r| {
            Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    for (seat_id, price, position) in seats {
        let seat = layout.position(&seat_id).ok_or_else(|| {
            corrupt(
                showtime_id,
                format!("booking seat {seat_id} is not in the layout"),
            )
        })?;
        booking.seats.push(BookedSeat {
            seat,
            price,
            position,
        });
    }
    let payments = conn
        .prepare_cached(query!("seats/recall_payments"))?
        .query_map(params![booking.id], payment_of_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(Recalled { booking, payments }))
}

/// A booking as `load_bookings.sql` and `recall_booking.sql` select it (its
/// seats are added after).
fn booking_of_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Booking> {
    Ok(Booking {
        id: r.get(0)?,
        user_id: r.get(1)?,
        status: r.get(2)?,
        seats: Vec::new(),
        created_at: r.get(3)?,
        expires_at: r.get(4)?,
        payment_id: r.get(5)?,
    })
}

/// A payment as `load_payments.sql` and `recall_payments.sql` select it.
fn payment_of_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Payment> {
    Ok(Payment {
        id: r.get(0)?,
        booking_id: r.get(1)?,
        status: r.get(2)?,
        amount: r.get(3)?,
        expires_at: r.get(4)?,
        refund_reason: r.get(5)?,
    })
}

/// Runs one of a showtime's load queries with the deadline before which
/// ended bookings are left out (`?2`), and maps every row it returns.
fn rows_since<T>(
    conn: &Connection,
    sql: &str,
    showtime_id: ShowtimeId,
    kept_since: i64,
    map: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> AppResult<Vec<T>> {
    Ok(conn
        .prepare_cached(sql)?
        .query_map(params![showtime_id, kept_since], map)?
        .collect::<Result<Vec<_>, _>>()?)
}

/// Runs one of a showtime's load queries (`?1` is the showtime) and maps
/// every row it returns.
fn rows_of<T>(
    conn: &Connection,
    sql: &str,
    showtime_id: ShowtimeId,
    map: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> AppResult<Vec<T>> {
    Ok(conn
        .prepare_cached(sql)?
        .query_map(params![showtime_id], map)?
        .collect::<Result<Vec<_>, _>>()?)
}

/// A showtime whose rows do not make a consistent book: unavailable (503),
/// the rest of the cinema goes on.
fn corrupt(showtime_id: ShowtimeId, what: String) -> AppError {
    tracing::error!(%showtime_id, %what, "a showtime cannot be loaded");
    AppError::ShowtimeUnavailable {
        showtime_id: showtime_id.0,
        why: what,
    }
}
