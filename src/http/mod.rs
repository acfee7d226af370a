//! HTTP: translates between requests and the modules that do the work. No
//! business rule lives here.

mod accounts;
mod admin;
mod auditoriums;
pub mod auth;
mod blocked_seats;
mod body;
mod bookings;
mod catalog;
mod catalog_admin;
pub mod client;
mod front;
pub mod headers;
mod logging;
mod midtrans;
mod offers;
pub mod openapi;
mod ops;
mod payments;
pub mod problem;
mod showtimes_admin;
mod staff_admin;
pub mod streams;

pub use logging::RequestLog;

use actix_web::web;

/// Request bodies larger than this are refused with 413.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The routes. `sandbox`: whether the built-in sandbox's pages exist at all
/// (never in production mode).
pub fn configure(cfg: &mut web::ServiceConfig, sandbox: bool) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(BODY_LIMIT)
            .error_handler(problem::json_error),
    )
    .app_data(
        web::FormConfig::default()
            .limit(BODY_LIMIT)
            .error_handler(problem::form_error),
    )
    .app_data(web::PayloadConfig::new(BODY_LIMIT))
    .app_data(web::QueryConfig::default().error_handler(problem::query_error))
    .app_data(web::PathConfig::default().error_handler(problem::path_error))
    // Before the `/api/v1` scope, which would otherwise take these paths.
    // `/api/v1/docs/` reaches us trimmed to `/api/v1/docs` (NormalizePath):
    // sent on to the UI's page.
    .route(
        "/api/v1/docs",
        web::get().to(|| async {
            actix_web::HttpResponse::Found()
                .insert_header((actix_web::http::header::LOCATION, "/api/v1/docs/index.html"))
                .finish()
        }),
    )
    .service(
        utoipa_swagger_ui::SwaggerUi::new("/api/v1/docs/{_:.*}")
            .url("/api/v1/openapi.json", openapi::document()),
    )
    .service(
        web::scope("/api/v1")
            .configure(accounts::routes)
            .configure(catalog::routes)
            .configure(bookings::routes)
            .configure(offers::routes)
            .configure(payments::api_routes)
            .configure(midtrans::routes)
            .configure(admin::routes)
            .configure(blocked_seats::routes)
            .configure(catalog_admin::routes)
            .configure(auditoriums::routes)
            .configure(showtimes_admin::routes)
            .configure(staff_admin::routes),
    )
    .configure(|cfg| {
        if sandbox {
            payments::sandbox_routes(cfg);
        }
    })
    .configure(ops::routes)
    .configure(front::routes)
    .default_service(web::to(problem::not_found_or_not_allowed));
}
