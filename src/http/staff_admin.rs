//! /admin/users, /admin/audit and /admin/reports/sales: the accounts the
//! admins manage, the audit trail and the sales report; /checkin/showtimes:
//! the door page's list, for staff too. The rules are in `accounts::users`,
//! `audit`, `reports` and `tickets`.

use actix_web::{HttpRequest, HttpResponse, http::header, web};
use serde::Deserialize;

use super::{
    auth::{Admin, Staff},
    body::Body,
    openapi::{self, JsonBody, Missing, Problem},
};
use crate::{
    accounts::users::{NewStaff, StaffAccount, UserPatch},
    audit::{AuditEntry, AuditQuery},
    error::{AppError, AppResult},
    ids::UserId,
    reports::{SalesQuery, SalesReport},
    state::AppState,
    tickets::DoorShowtime,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/users", web::get().to(list_users))
        .route("/admin/users", web::post().to(create_user))
        .route("/admin/users/{id}", web::patch().to(update_user))
        .route("/admin/audit", web::get().to(audit_trail))
        .route("/admin/reports/sales", web::get().to(sales_report))
        .route("/checkin/showtimes", web::get().to(door_showtimes));
}

/// Staff and admin accounts.
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", security(("bearer" = [])),
    responses((status = 200, description = "accounts", body = Vec<StaffAccount>), openapi::Staff))]
pub async fn list_users(state: web::Data<AppState>, admin: Admin) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(state.accounts.staff_accounts(admin.0.id).await?))
}

/// A new staff or admin account (the registration rules apply).
#[utoipa::path(post, path = "/api/v1/admin/users", tag = "admin", request_body = NewStaff,
    security(("bearer" = [])),
    responses((status = 201, description = "created", body = StaffAccount),
        (status = 409, description = "`email_taken`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_body`, `invalid_fields`", body = Problem, content_type = "application/problem+json"), openapi::Staff, JsonBody))]
pub async fn create_user(
    state: web::Data<AppState>,
    admin: Admin,
    body: Body<NewStaff>,
) -> AppResult<HttpResponse> {
    let created = state
        .accounts
        .create_staff(body.into_inner(), admin.0.id)
        .await?;
    Ok(HttpResponse::Created().json(created))
}

/// A new role, disabled or enabled, a new password: each ends the account's
/// sessions at once; the last active admin stays one (409 `last_admin`).
#[utoipa::path(patch, path = "/api/v1/admin/users/{id}", tag = "admin", request_body = UserPatch,
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "the account")),
    responses((status = 200, description = "the account as it is now", body = StaffAccount),
        (status = 409, description = "`last_admin`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_body`, `invalid_fields`", body = Problem, content_type = "application/problem+json"), Missing, openapi::Staff, JsonBody))]
pub async fn update_user(
    state: web::Data<AppState>,
    admin: Admin,
    id: web::Path<UserId>,
    body: Body<UserPatch>,
) -> AppResult<HttpResponse> {
    let updated = state
        .accounts
        .update_staff(id.into_inner(), body.into_inner(), admin.0.id)
        .await?;
    Ok(HttpResponse::Ok().json(updated))
}

/// The audit trail, newest first (times UTC).
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "admin", params(AuditQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "entries", body = Vec<AuditEntry>),
        (status = 422, description = "`invalid_query`", body = Problem, content_type = "application/problem+json"), openapi::Staff))]
pub async fn audit_trail(
    state: web::Data<AppState>,
    _admin: Admin,
    query: web::Query<AuditQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let entries = state
        .store
        .read(move |conn| crate::audit::list(conn, &query))
        .await?;
    Ok(HttpResponse::Ok().json(entries))
}

/// `GET /checkin/showtimes`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DoorQuery {
    /// A local date (`YYYY-MM-DD`, each cinema's); each cinema's today when left out.
    #[param(format = Date)]
    date: Option<String>,
    /// One cinema; all when left out.
    cinema_id: Option<i64>,
}

/// The showtimes of a cinema-local day with their sold and admitted
/// tickets, for the door page (staff and admins).
#[utoipa::path(get, path = "/api/v1/checkin/showtimes", tag = "tickets", params(DoorQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "showtimes", body = Vec<DoorShowtime>),
        (status = 422, description = "`invalid_date`, `invalid_query`", body = Problem, content_type = "application/problem+json"), openapi::Staff))]
pub async fn door_showtimes(
    state: web::Data<AppState>,
    _staff: Staff,
    query: web::Query<DoorQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let showtimes = state
        .tickets
        .door_showtimes(query.date.as_deref(), query.cinema_id)
        .await?;
    Ok(HttpResponse::Ok().json(showtimes))
}

/// What the showtimes of some cinema-local days sold, by day, movie or
/// showtime; CSV with `Accept: text/csv` or `?format=csv`.
#[utoipa::path(get, path = "/api/v1/admin/reports/sales", tag = "admin", params(SalesQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "the report (JSON, or CSV: a header row, the rows, then the total)",
            content((SalesReport = "application/json"), (String = "text/csv"))),
        (status = 422, description = "`invalid_date`, `invalid_query`", body = Problem, content_type = "application/problem+json"), openapi::Staff))]
pub async fn sales_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    _admin: Admin,
    query: web::Query<SalesQuery>,
) -> AppResult<HttpResponse> {
    let query = query.into_inner();
    let wants_csv = match query.format.as_deref() {
        Some("csv") => true,
        Some("json") => false,
        Some(other) => {
            return Err(AppError::validation(
                "invalid_query",
                format!("format must be csv or json, not `{other}`"),
            ));
        }
        None => req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(accepts_csv),
    };
    let currency = state.settings.booking.currency.clone();
    let report = state
        .store
        .read(move |conn| crate::reports::sales(conn, &query, &currency))
        .await?;
    Ok(if wants_csv {
        HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8; header=present")
            .insert_header((
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"sales.csv\"",
            ))
            .body(crate::reports::csv(&report))
    } else {
        HttpResponse::Ok().json(report)
    })
}

/// Whether an `Accept` header asks for CSV: a `text/csv` range not refused
/// with `q=0`.
fn accepts_csv(accept: &str) -> bool {
    accept.split(',').any(|range| {
        let mut parts = range.split(';').map(str::trim);
        parts
            .next()
            .is_some_and(|media| media.eq_ignore_ascii_case("text/csv"))
            && !parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            })
    })
}

#[cfg(test)]
mod tests {
    use super::accepts_csv;

    #[test]
    fn csv_is_chosen_by_an_accept_range_that_is_not_refused() {
        assert!(accepts_csv("text/csv"));
        assert!(accepts_csv("application/json;q=0.5, text/csv"));
        assert!(accepts_csv("TEXT/CSV; charset=utf-8"));
        assert!(!accepts_csv("text/csv;q=0"));
        assert!(!accepts_csv("application/json"));
        assert!(!accepts_csv("text/csvx"));
    }
}
