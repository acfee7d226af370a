//! Tickets: one per sold seat, issued by the showtime actor with the sale
//! (transaction id, seat, customer, time of purchase) and read here.

use rusqlite::{Connection, params};
use serde::Serialize;

use crate::{
    catalog::Locale,
    clock::rfc3339,
    error::{AppError, AppResult},
    seats::UserId,
    store::Store,
};

#[derive(Debug, Clone, Serialize)]
pub struct Ticket {
    pub id: String,
    pub booking_id: String,
    pub showtime_id: i64,
    pub seat: String,
    pub class: String,
    pub price: i64,
    pub currency: String,
    pub status: String,
    pub purchased_at: String,
    /// The payment that bought it.
    pub transaction_id: String,
    pub checkin_code: String,
    pub checked_in_at: Option<String>,
    pub movie_title: String,
    pub cinema: String,
    pub auditorium: String,
    pub starts_at: String,
    pub showtime_status: String,
}

fn tickets_of(
    conn: &Connection,
    locale: &Locale,
    user: UserId,
    only: Option<&str>,
) -> AppResult<Vec<Ticket>> {
    Ok(conn
        .prepare_cached(include_str!(
            "../../sql/queries/tickets/tickets_of_user.sql"
        ))?
        .query_map(params![user, only], |r| {
            Ok(Ticket {
                id: r.get(0)?,
                booking_id: r.get(1)?,
                showtime_id: r.get(2)?,
                seat: r.get(3)?,
                class: r.get(4)?,
                price: r.get(5)?,
                currency: locale.currency.clone(),
                status: r.get(6)?,
                purchased_at: rfc3339(r.get(7)?, locale.offset),
                transaction_id: r.get(8)?,
                checkin_code: r.get(9)?,
                checked_in_at: r
                    .get::<_, Option<i64>>(10)?
                    .map(|t| rfc3339(t, locale.offset)),
                movie_title: r.get(11)?,
                cinema: r.get(12)?,
                auditorium: r.get(13)?,
                starts_at: rfc3339(r.get(14)?, locale.offset),
                showtime_status: r.get(15)?,
            })
        })?
        .collect::<Result<_, _>>()?)
}

pub async fn list(store: &Store, locale: &Locale, user: UserId) -> AppResult<Vec<Ticket>> {
    let locale = locale.clone();
    store
        .read(move |conn| tickets_of(conn, &locale, user, None))
        .await
}

/// One of the customer's tickets; 404 for anyone else's.
pub async fn get(
    store: &Store,
    locale: &Locale,
    user: UserId,
    ticket_id: &str,
) -> AppResult<Ticket> {
    let locale = locale.clone();
    let id = ticket_id.to_string();
    store
        .read(move |conn| tickets_of(conn, &locale, user, Some(&id)))
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound("ticket"))
}
