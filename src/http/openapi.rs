//! The OpenAPI document, generated from the handlers' own annotations and
//! the request and response types they use: `GET /api/v1/openapi.json`, and
//! a Swagger UI compiled into the binary at `/api/v1/docs`.
//!
//! Error answers are problem documents ([`Problem`]); the groups below
//! describe the ones many operations share, each with its possible `code`s.

use std::collections::BTreeMap;

use utoipa::{
    IntoResponses, Modify, OpenApi, ToSchema,
    openapi::{
        Components, ContentBuilder, RefOr, ResponseBuilder,
        response::Response,
        security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
        },
    },
};

use super::{
    accounts, admin, auditoriums, blocked_seats, bookings, catalog, catalog_admin, midtrans,
    offers, ops, payments, showtimes_admin, staff_admin,
};
use crate::ids::BookingId;

/// An RFC 9457 problem document: every 4xx and 5xx answer.
#[derive(ToSchema)]
#[allow(dead_code)] // documents the shape `http::problem` writes
pub struct Problem {
    /// `/problems/<code>`.
    #[schema(rename = "type")]
    r#type: String,
    /// The HTTP reason phrase.
    title: String,
    /// The HTTP status.
    status: u16,
    /// What went wrong, for a person.
    detail: String,
    /// Stable and machine-readable: clients branch on it.
    #[schema(value_type = String, example = "seat_unavailable")]
    code: String,
    /// Which fields were refused (422).
    errors: Option<Vec<crate::error::FieldError>>,
    /// The seats that are taken (409 `seat_unavailable`).
    seats: Option<Vec<String>>,
    /// The open booking (409 `booking_already_open`).
    booking_id: Option<BookingId>,
    /// When the ticket was used (409 `already_used`).
    checked_in_at: Option<String>,
    /// Seconds to wait (429 `too_many_attempts`).
    retry_after: Option<u64>,
    /// The showtimes a new or moved one collides with (409 `showtime_overlap`).
    overlaps: Option<Vec<crate::error::Overlap>>,
}

/// A query parameter that is a date, or empty for "not given" (today).
pub fn date_or_empty() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::{KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, schema::Type};
    OneOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date))),
        )
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some([""])),
        )
        .into()
}

/// A status filter: one of `names`, or empty for "any".
fn status_or_empty(names: &[&'static str]) -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::{ObjectBuilder, schema::Type};
    let mut values = names.to_vec();
    values.push("");
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values))
        .into()
}

pub fn refund_status_or_empty() -> utoipa::openapi::schema::Schema {
    status_or_empty(crate::status::RefundStatus::NAMES)
}

pub fn notification_status_or_empty() -> utoipa::openapi::schema::Schema {
    status_or_empty(crate::status::NotificationStatus::NAMES)
}

/// A problem-document response with the codes it may carry.
pub fn problem(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                    "Problem",
                ))))
                .build(),
        )
        .build()
}

fn responses(list: &[(&str, &str)]) -> BTreeMap<String, RefOr<Response>> {
    list.iter()
        .map(|(status, description)| (status.to_string(), RefOr::T(problem(description))))
        .collect()
}

const METHOD_NOT_ALLOWED: (&str, &str) = (
    "405",
    "`method_not_allowed`: the path does not serve this method (see `Allow`)",
);
const STORAGE: (&str, &str) = (
    "503",
    "`storage_unavailable`: the database cannot answer; try again shortly",
);
const UNAUTHENTICATED: (&str, &str) = (
    "401",
    "`unauthenticated`: no valid `Authorization: Bearer` token or session cookie",
);
const FORBIDDEN: (&str, &str) = ("403", "`forbidden`: this needs another role");
const NOT_FOUND: (&str, &str) = ("404", "`not_found`: nothing with this id (or not yours)");

/// What any operation may answer: a method the path does not serve, and a
/// database that cannot answer.
pub struct Anyone;

impl IntoResponses for Anyone {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        responses(&[METHOD_NOT_ALLOWED, STORAGE])
    }
}

/// What an operation that needs a signed-in caller may answer.
pub struct SignedIn;

impl IntoResponses for SignedIn {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        responses(&[METHOD_NOT_ALLOWED, STORAGE, UNAUTHENTICATED])
    }
}

/// What an operation for staff or admins may answer.
pub struct Staff;

impl IntoResponses for Staff {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        responses(&[METHOD_NOT_ALLOWED, STORAGE, UNAUTHENTICATED, FORBIDDEN])
    }
}

/// An id in the path that names nothing (or someone else's thing).
pub struct Missing;

impl IntoResponses for Missing {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        responses(&[NOT_FOUND])
    }
}

/// What reading a JSON body may answer, besides the operation's own 422s.
pub struct JsonBody;

impl IntoResponses for JsonBody {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        responses(&[
            ("400", "`malformed_json`: the body is not JSON"),
            ("413", "`payload_too_large`: the body is larger than 64 KiB"),
            (
                "415",
                "`unsupported_media_type`: send `Content-Type: application/json`",
            ),
        ])
    }
}

/// Declares how signed-in operations take the session: the bearer token
/// (API clients) or the browser's session cookie (`http/auth.rs`). Every
/// operation that takes the bearer takes the cookie too, except `/metrics`
/// (its bearer is the metrics token, not a session); a change signed in by
/// the cookie may also answer 403 `csrf_failed`, unless the operation lets
/// anyone in (the sandbox checkout: a cookie without its CSRF token counts
/// as no one there).
struct SessionAuth;

const CSRF_FAILED: &str = "`csrf_failed`: signed in by the `bioskop_session` cookie without \
     the session's `X-CSRF-Token` header (the `bioskop_csrf` cookie's value)";

impl Modify for SessionAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Components::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The token from `/auth/register` or `/auth/login`, for API clients.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::http::auth::SESSION_COOKIE,
                "The browser's session, set (`HttpOnly`) by `/auth/register` and `/auth/login` \
                 with the readable `bioskop_csrf` cookie; used when there is no `Authorization` \
                 header. Every request but GET, HEAD and OPTIONS must then send the \
                 `bioskop_csrf` cookie's value as `X-CSRF-Token` (403 `csrf_failed` otherwise).",
            ))),
        );
        for (path, item) in openapi.paths.paths.iter_mut() {
            if path == "/metrics" {
                continue;
            }
            let operations = [
                (&mut item.get, false),
                (&mut item.put, true),
                (&mut item.post, true),
                (&mut item.patch, true),
                (&mut item.delete, true),
            ];
            for (operation, changes) in operations {
                let Some(operation) = operation.as_mut() else {
                    continue;
                };
                let Some(security) = operation.security.as_mut() else {
                    continue;
                };
                let named = |requirement: &SecurityRequirement| {
                    serde_json::to_value(requirement).unwrap_or_default()
                };
                if !security.iter().any(|r| named(r).get("bearer").is_some()) {
                    continue;
                }
                let anyone = security
                    .iter()
                    .any(|r| named(r).as_object().is_some_and(|o| o.is_empty()));
                security.push(SecurityRequirement::new("cookie", Vec::<String>::new()));
                if !changes || anyone {
                    continue;
                }
                match operation.responses.responses.get_mut("403") {
                    Some(RefOr::T(response)) => {
                        response.description = format!("{}; {CSRF_FAILED}", response.description);
                    }
                    Some(RefOr::Ref(_)) => {}
                    None => {
                        operation
                            .responses
                            .responses
                            .insert("403".into(), RefOr::T(problem(CSRF_FAILED)));
                    }
                }
            }
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "bioskop",
        description = "Cinema ticketing: browse, hold seats, pay, tickets, check-in, and the cinema's admin paths. Every error is an RFC 9457 problem document with a stable `code`."
    ),
    paths(
        accounts::register,
        accounts::login,
        accounts::logout,
        accounts::logout_all,
        accounts::change_password,
        accounts::me,
        catalog::cities,
        catalog::cinemas,
        catalog::movies,
        catalog::showtimes,
        catalog::showtime,
        catalog::seat_map,
        catalog::seat_events,
        bookings::create,
        bookings::best_seats,
        bookings::list,
        bookings::show,
        bookings::release,
        bookings::add_seat,
        bookings::remove_seat,
        bookings::pay,
        bookings::list_tickets,
        bookings::show_ticket,
        bookings::ticket_qr,
        bookings::check_in,
        offers::show,
        offers::move_to,
        offers::refund,
        payments::notification,
        payments::checkout_page,
        payments::pay_form,
        payments::control,
        midtrans::notification,
        midtrans::approve,
        midtrans::deny,
        admin::cancel,
        admin::refunds,
        admin::retry,
        admin::resolve,
        admin::alerts,
        admin::notifications,
        blocked_seats::block,
        blocked_seats::unblock,
        catalog_admin::list_cities,
        catalog_admin::create_city,
        catalog_admin::update_city,
        catalog_admin::list_cinemas,
        catalog_admin::create_cinema,
        catalog_admin::update_cinema,
        catalog_admin::list_movies,
        catalog_admin::create_movie,
        catalog_admin::update_movie,
        auditoriums::list_auditoriums,
        auditoriums::create_auditorium,
        auditoriums::get_auditorium,
        auditoriums::update_auditorium,
        showtimes_admin::list_showtimes,
        showtimes_admin::create_showtime,
        showtimes_admin::create_batch,
        showtimes_admin::update_showtime,
        showtimes_admin::delete_showtime,
        staff_admin::list_users,
        staff_admin::create_user,
        staff_admin::update_user,
        staff_admin::audit_trail,
        staff_admin::sales_report,
        staff_admin::door_showtimes,
        ops::healthz,
        ops::readyz,
        ops::metrics,
    ),
    components(schemas(Problem)),
    modifiers(&SessionAuth)
)]
pub struct ApiDoc;

/// The document, built once.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
