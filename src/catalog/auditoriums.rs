//! The back office's auditoriums and their seat layouts (DESIGN 4a). The
//! layout is parsed by [`super::layout`]; its seats are the rows of
//! `auditorium_seats`, its written form is kept on the auditorium.
//!
//! Editing a layout: in the same transaction, every showtime of the auditorium
//! that has any booking (held, awaiting payment, paid, and also expired or
//! cancelled ones, whose seats are its history) or a blocked seat, and is not
//! pinned yet, gets its own copy of the old seats (`showtime_seats`) and keeps
//! them; the others follow the new layout, and their loaded actors are
//! dropped after the commit so the next message loads the new seats. An edit
//! that adds a class some following scheduled showtime has no price for is
//! refused (409 `layout_needs_prices`): a seat without a price cannot be sold.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::{
    Catalog,
    admin::{Check, audited, cinema},
    layout::{self, Seat},
};
use crate::{
    error::{AppError, AppResult},
    ids::{ShowtimeId, UserId},
};

/// `POST /admin/cinemas/{id}/auditoriums`, `PUT /admin/auditoriums/{id}`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditoriumLayout {
    /// 1 to 100 characters, not only spaces; unique in its cinema (ignoring case).
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: String,
    /// One uppercase letter to a class name (a lowercase word); `couple`
    /// seats are drawn two cells wide.
    #[schema(schema_with = classes_schema)]
    pub classes: BTreeMap<String, String>,
    /// From the screen backwards (labelled A, B, …): one character per cell,
    /// a class letter for a seat or `_` for an aisle or empty cell.
    #[schema(schema_with = rows_schema)]
    pub rows: Vec<String>,
}

/// An auditorium with its layout and the seats it makes.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AdminAuditorium {
    pub id: i64,
    pub cinema_id: i64,
    pub name: String,
    pub classes: BTreeMap<String, String>,
    pub rows: Vec<String>,
    pub seats: Vec<Seat>,
}

pub fn classes_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::{ObjectBuilder, schema::Type};
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property_names(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some("^[A-Z]$")),
        ))
        .additional_properties(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some("^[a-z]{1,20}$")),
        ))
        .min_properties(Some(1))
        .max_properties(Some(26))
        .description(Some(
            "One uppercase letter to a class name (a lowercase word of 1 to 20 letters).",
        ))
        .into()
}

pub fn rows_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::{ArrayBuilder, ObjectBuilder, schema::Type};
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(layout::MAX_CELLS))
                .pattern(Some("^[A-Z_]+$")),
        )
        .min_items(Some(1))
        .max_items(Some(layout::MAX_ROWS))
        .description(Some(
            "Rows from the screen backwards; each character a class letter (a seat) or `_` (a gap). \
             Every letter must be in `classes`, every row needs a seat, at most 2000 seats.",
        ))
        .into()
}

fn to_text<T: Serialize>(value: &T) -> AppResult<String> {
    serde_json::to_string(value).map_err(|e| AppError::Internal(e.to_string()))
}

fn seats(conn: &Connection, auditorium_id: i64) -> AppResult<Vec<Seat>> {
    Ok(conn
        .prepare_cached(query!("catalog/auditorium_seats"))?
        .query_map(params![auditorium_id], |r| {
            Ok(Seat {
                id: r.get(0)?,
                row: r.get(1)?,
                number: r.get(2)?,
                class: r.get(3)?,
                grid_row: r.get(4)?,
                grid_col: r.get(5)?,
            })
        })?
        .collect::<Result<_, _>>()?)
}

/// The written form of seats made before layouts were kept (the demo
/// seed): each class gets its initial letter (or the first free one).
fn written_form(seats: &[Seat]) -> (BTreeMap<String, String>, Vec<String>) {
    let mut letter_of: BTreeMap<String, char> = BTreeMap::new();
    for seat in seats {
        if letter_of.contains_key(&seat.class) {
            continue;
        }
        let taken: BTreeSet<char> = letter_of.values().copied().collect();
        let initial = seat
            .class
            .chars()
            .next()
            .map(|c| c.to_ascii_uppercase())
            .filter(|c| c.is_ascii_uppercase() && !taken.contains(c));
        let letter = initial.or_else(|| ('A'..='Z').find(|c| !taken.contains(c)));
        if let Some(letter) = letter {
            letter_of.insert(seat.class.clone(), letter);
        }
    }
    // Each row's text and the grid column its next cell is at.
    let mut rows: Vec<(String, i64)> = Vec::new();
    for seat in seats {
        let row = usize::try_from(seat.grid_row).unwrap_or(0);
        while rows.len() <= row {
            rows.push((String::new(), 0));
        }
        if let Some((text, next)) = rows.get_mut(row) {
            while *next < seat.grid_col {
                text.push('_');
                *next += 1;
            }
            text.push(letter_of.get(&seat.class).copied().unwrap_or('_'));
            *next += if seat.class == layout::COUPLE { 2 } else { 1 };
        }
    }
    let rows = rows.into_iter().map(|(text, _)| text).collect();
    let classes = letter_of
        .into_iter()
        .map(|(class, letter)| (letter.to_string(), class))
        .collect();
    (classes, rows)
}

fn auditorium(conn: &Connection, id: i64) -> AppResult<AdminAuditorium> {
    let (cinema_id, name, classes, rows): (i64, String, Option<String>, Option<String>) = conn
        .prepare_cached(query!("catalog/auditorium"))?
        .query_row(params![id], |r| {
            Ok((r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?
        .ok_or(AppError::NotFound("auditorium"))?;
    let seats = seats(conn, id)?;
    let (classes, rows) = match (classes, rows) {
        (Some(classes), Some(rows)) => (
            serde_json::from_str(&classes).map_err(|e| AppError::Internal(e.to_string()))?,
            serde_json::from_str(&rows).map_err(|e| AppError::Internal(e.to_string()))?,
        ),
        _ => written_form(&seats),
    };
    Ok(AdminAuditorium {
        id,
        cinema_id,
        name,
        classes,
        rows,
        seats,
    })
}

/// 409 `auditorium_exists` when another auditorium of the cinema has this name.
fn unique_name(
    conn: &Connection,
    cinema_id: i64,
    name: &str,
    except: Option<i64>,
) -> AppResult<()> {
    let other: Option<i64> = conn
        .prepare_cached(query!("catalog/auditorium_named"))?
        .query_row(params![cinema_id, name, except], |r| r.get(0))
        .optional()?;
    match other {
        Some(id) => Err(AppError::conflict(
            "auditorium_exists",
            format!("auditorium {id} of this cinema is already called {name}"),
        )),
        None => Ok(()),
    }
}

fn insert_seats(conn: &Connection, auditorium_id: i64, seats: &[Seat]) -> AppResult<()> {
    let mut insert = conn.prepare_cached(query!("catalog/insert_seat"))?;
    for s in seats {
        insert.execute(params![
            auditorium_id,
            s.id,
            s.row,
            s.number,
            s.class,
            s.grid_row,
            s.grid_col
        ])?;
    }
    Ok(())
}

/// Creates an auditorium from its written layout: the one path of the back
/// office and the demo seed (`by` is `None` for the seed), validated, audited.
pub(super) fn create_auditorium(
    conn: &Connection,
    cinema_id: i64,
    body: &AuditoriumLayout,
    by: Option<UserId>,
    now: i64,
) -> AppResult<AdminAuditorium> {
    let (name, seats) = checked(body)?;
    let classes = to_text(&body.classes)?;
    let rows = to_text(&body.rows)?;
    cinema(conn, cinema_id)?;
    unique_name(conn, cinema_id, &name, None)?;
    conn.prepare_cached(query!("catalog/create_auditorium"))?
        .execute(params![cinema_id, name, classes, rows])?;
    let id = conn.last_insert_rowid();
    insert_seats(conn, id, &seats)?;
    let created = auditorium(conn, id)?;
    let target = format!("auditorium:{id}");
    audited(conn, by, "auditorium.create", target, None, &created, now)?;
    Ok(created)
}

/// The name and the seats of a request, or 422.
fn checked(body: &AuditoriumLayout) -> AppResult<(String, Vec<Seat>)> {
    let mut check = Check::default();
    let name = check.text("name", &body.name, 100);
    check.done()?;
    let seats =
        layout::parse(&body.classes, &body.rows).map_err(|errors| AppError::Validation {
            code: "invalid_layout",
            detail: "the seat layout is invalid".into(),
            errors,
        })?;
    Ok((name, seats))
}

impl Catalog {
    /// The auditoriums of a cinema (404 for an unknown cinema).
    pub async fn admin_auditoriums(&self, cinema_id: i64) -> AppResult<Vec<AdminAuditorium>> {
        self.store
            .read(move |conn| {
                cinema(conn, cinema_id)?;
                let ids: Vec<i64> = conn
                    .prepare_cached(query!("catalog/auditoriums_of"))?
                    .query_map(params![cinema_id], |r| r.get(0))?
                    .collect::<Result<_, _>>()?;
                ids.into_iter().map(|id| auditorium(conn, id)).collect()
            })
            .await
    }

    pub async fn admin_auditorium(&self, id: i64) -> AppResult<AdminAuditorium> {
        self.store.read(move |conn| auditorium(conn, id)).await
    }

    pub async fn create_auditorium(
        &self,
        cinema_id: i64,
        body: AuditoriumLayout,
        by: UserId,
    ) -> AppResult<AdminAuditorium> {
        let now = self.now_ms();
        self.store
            .write(move |conn| create_auditorium(conn, cinema_id, &body, Some(by), now))
            .await
    }

    /// Renames an auditorium or edits its layout (see the module's words on
    /// which showtimes follow an edit).
    pub async fn update_auditorium(
        &self,
        id: i64,
        body: AuditoriumLayout,
        by: UserId,
    ) -> AppResult<AdminAuditorium> {
        let (name, new_seats) = checked(&body)?;
        let classes = to_text(&body.classes)?;
        let rows = to_text(&body.rows)?;
        let now = self.now_ms();
        let (updated, following) = self
            .store
            .write(move |conn| {
                let before = auditorium(conn, id)?;
                unique_name(conn, before.cinema_id, &name, Some(id))?;
                let moved = before.seats != new_seats;
                let mut pinned: Vec<i64> = Vec::new();
                let mut following: Vec<i64> = Vec::new();
                if moved {
                    pinned = conn
                        .prepare_cached(query!("catalog/showtimes_to_pin"))?
                        .query_map(params![id], |r| r.get(0))?
                        .collect::<Result<_, _>>()?;
                    let others: Vec<(i64, String)> = conn
                        .prepare_cached(query!("catalog/showtimes_following"))?
                        .query_map(params![id], |r| Ok((r.get(0)?, r.get(1)?)))?
                        .collect::<Result<_, _>>()?;
                    let needed: BTreeSet<&str> =
                        new_seats.iter().map(|s| s.class.as_str()).collect();
                    let mut unpriced: Vec<String> = Vec::new();
                    for (showtime, status) in &others {
                        if pinned.contains(showtime) {
                            continue;
                        }
                        following.push(*showtime);
                        if status != "scheduled" {
                            continue;
                        }
                        let priced: BTreeSet<String> = conn
                            .prepare_cached(query!("catalog/showtime_prices"))?
                            .query_map(params![showtime], |r| r.get(0))?
                            .collect::<Result<_, _>>()?;
                        let missing: Vec<&str> = needed
                            .iter()
                            .filter(|c| !priced.contains(**c))
                            .copied()
                            .collect();
                        if !missing.is_empty() {
                            unpriced.push(format!(
                                "showtime {showtime} has no price for {}",
                                missing.join(", ")
                            ));
                        }
                    }
                    if !unpriced.is_empty() {
                        return Err(AppError::conflict(
                            "layout_needs_prices",
                            format!(
                                "the new layout has seat classes without a price: {}",
                                unpriced.join("; ")
                            ),
                        ));
                    }
                    let mut pin = conn.prepare_cached(query!("catalog/pin_showtime"))?;
                    for showtime in &pinned {
                        pin.execute(params![showtime, id])?;
                    }
                    conn.prepare_cached(query!("catalog/delete_auditorium_seats"))?
                        .execute(params![id])?;
                    insert_seats(conn, id, &new_seats)?;
                }
                conn.prepare_cached(query!("catalog/update_auditorium"))?
                    .execute(params![id, name, classes, rows, i64::from(moved)])?;
                let updated = auditorium(conn, id)?;
                let before_json =
                    serde_json::to_value(&before).map_err(|e| AppError::Internal(e.to_string()))?;
                let mut after = serde_json::to_value(&updated)
                    .map_err(|e| AppError::Internal(e.to_string()))?;
                if let Some(object) = after.as_object_mut() {
                    object.insert("pinned_showtimes".into(), serde_json::json!(pinned));
                    object.insert("following_showtimes".into(), serde_json::json!(following));
                }
                let mut entry = crate::audit::Entry::new(
                    Some(by),
                    "auditorium.update",
                    format!("auditorium:{id}"),
                );
                entry = entry.changed(
                    before.name != updated.name
                        || moved
                        || before.classes != updated.classes
                        || before.rows != updated.rows,
                );
                crate::audit::record(conn, &entry.before(before_json).after(after), now)?;
                Ok((updated, following))
            })
            .await?;
        if let Some(registry) = &self.registry {
            let ids: Vec<ShowtimeId> = following.into_iter().map(ShowtimeId).collect();
            registry.forget(&ids);
        }
        Ok(updated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_written_form_of_demo_seats_parses_back_to_them() {
        let classes: BTreeMap<String, String> = [("R", "regular"), ("C", "couple")]
            .iter()
            .map(|(l, c)| (l.to_string(), c.to_string()))
            .collect();
        let rows = vec!["RR_RR".to_string(), "CC_C".to_string()];
        let seats = layout::parse(&classes, &rows).unwrap();
        let (classes2, rows2) = written_form(&seats);
        assert_eq!(layout::parse(&classes2, &rows2).unwrap(), seats);
        assert_eq!(
            seats.iter().filter(|s| s.class == layout::COUPLE).count(),
            3
        );
    }
}
