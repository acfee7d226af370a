//! Every error answer is an RFC 9457 problem document
//! (`application/problem+json`) with a stable `code`. This is the one place
//! where [`AppError`] becomes HTTP.

use actix_web::{
    HttpRequest, HttpResponse, ResponseError,
    error::{JsonPayloadError, PathError, QueryPayloadError, UrlencodedError},
    http::{StatusCode, header},
};
use serde_json::json;

use crate::error::AppError;

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Unauthenticated
            | AppError::InvalidCredentials
            | AppError::InvalidSignature => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_)
            | AppError::CsrfFailed
            | AppError::SignatureRejected
            | AppError::WrongPassword => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            AppError::EmailTaken
            | AppError::SeatUnavailable { .. }
            | AppError::ShowtimeCancelled
            | AppError::ShowtimeStarted
            | AppError::ShowtimeOverlap { .. }
            | AppError::BookingAlreadyOpen { .. }
            | AppError::AlreadyUsed { .. }
            | AppError::ReholdCooldown { .. }
            | AppError::SingleSeatGap { .. }
            | AppError::NotEnoughAdjacent { .. }
            | AppError::WheelchairCompanion { .. }
            | AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::TooManyAttempts { .. }
            | AppError::HoldRate { .. }
            | AppError::TooManySignups { .. }
            | AppError::TooManyStreams { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Storage(_)
            | AppError::Overloaded { .. }
            | AppError::ShowtimeUnavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::GatewayUnavailable(_) => StatusCode::BAD_GATEWAY,
            AppError::GatewayTimeout => StatusCode::GATEWAY_TIMEOUT,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        // Internal details stay in the log, not in the answer.
        let detail = match self {
            AppError::Storage(_) => "the database is unavailable; try again shortly".to_string(),
            AppError::Internal(_) => "something went wrong on our side".to_string(),
            AppError::GatewayUnavailable(_) => {
                "the payment gateway is unavailable; your seats are still held, try again"
                    .to_string()
            }
            AppError::GatewayTimeout => {
                "the payment gateway did not answer in time; your seats are still held, try again"
                    .to_string()
            }
            other => other.to_string(),
        };
        let mut body = serde_json::Map::new();
        body.insert("type".into(), json!(format!("/problems/{}", self.code())));
        body.insert(
            "title".into(),
            json!(status.canonical_reason().unwrap_or("Error")),
        );
        body.insert("status".into(), json!(status.as_u16()));
        body.insert("detail".into(), json!(detail));
        body.insert("code".into(), json!(self.code()));
        let mut response = HttpResponse::build(status);
        match self {
            AppError::Validation { errors, .. } if !errors.is_empty() => {
                body.insert("errors".into(), json!(errors));
            }
            AppError::SeatUnavailable { seats } | AppError::WheelchairCompanion { seats } => {
                body.insert("seats".into(), json!(seats));
            }
            AppError::ShowtimeOverlap { overlaps } => {
                let listed = overlaps.len().min(crate::error::OVERLAPS_LISTED);
                body.insert("overlaps".into(), json!(overlaps.get(..listed)));
                body.insert("overlaps_total".into(), json!(overlaps.len()));
            }
            AppError::SingleSeatGap {
                seats,
                alternatives,
            } => {
                body.insert("seats".into(), json!(seats));
                body.insert("alternatives".into(), json!(alternatives));
            }
            AppError::NotEnoughAdjacent { largest_block } => {
                body.insert("largest_block".into(), json!(largest_block));
            }
            AppError::BookingAlreadyOpen { booking_id } => {
                body.insert("booking_id".into(), json!(booking_id));
            }
            AppError::AlreadyUsed { checked_in_at } => {
                body.insert("checked_in_at".into(), json!(checked_in_at));
            }
            AppError::TooManyAttempts { retry_after_secs }
            | AppError::HoldRate { retry_after_secs }
            | AppError::Overloaded { retry_after_secs }
            | AppError::TooManySignups { retry_after_secs } => {
                body.insert("retry_after".into(), json!(retry_after_secs));
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            AppError::ReholdCooldown {
                seats,
                retry_after_secs,
            } => {
                body.insert("seats".into(), json!(seats));
                body.insert("retry_after".into(), json!(retry_after_secs));
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            AppError::Unauthenticated | AppError::InvalidCredentials => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            _ => {}
        }
        response
            .content_type("application/problem+json")
            .body(serde_json::Value::Object(body).to_string())
    }
}

/// Malformed, oversized or mistyped JSON bodies.
pub fn json_error(error: JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    let problem = match &error {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            AppError::PayloadTooLarge {
                limit_kib: super::BODY_LIMIT / 1024,
            }
        }
        JsonPayloadError::ContentType => AppError::UnsupportedMediaType {
            expected: "application/json",
        },
        JsonPayloadError::Deserialize(e) if e.is_data() => AppError::Validation {
            code: "invalid_body",
            detail: format!("the body does not have the expected fields: {e}"),
            errors: Vec::new(),
        },
        other => AppError::BadRequest {
            code: "malformed_json",
            detail: format!("the body is not valid JSON: {other}"),
        },
    };
    problem.into()
}

pub fn form_error(error: UrlencodedError, _: &HttpRequest) -> actix_web::Error {
    let problem = match &error {
        UrlencodedError::Overflow { .. } => AppError::PayloadTooLarge {
            limit_kib: super::BODY_LIMIT / 1024,
        },
        UrlencodedError::ContentType => AppError::UnsupportedMediaType {
            expected: "a form or JSON",
        },
        other => AppError::validation("invalid_body", format!("the form is invalid: {other}")),
    };
    problem.into()
}

pub fn query_error(error: QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    AppError::validation(
        "invalid_query",
        format!("the query string is invalid: {error}"),
    )
    .into()
}

/// A path segment of the wrong type (`/showtimes/abc`) names nothing, unless
/// the path is another resource's literal one (`PATCH /admin/showtimes/batch`
/// reaches `/admin/showtimes/{id}`): then that resource's 405 with `Allow`.
pub fn path_error(_: PathError, req: &HttpRequest) -> actix_web::Error {
    let allowed = allowed_methods(req.path());
    if allowed.is_empty() || allowed.contains(&req.method().as_str()) {
        return AppError::NotFound("resource").into();
    }
    actix_web::error::InternalError::from_response("", not_allowed(req, &allowed)).into()
}

/// Any route that is not served: 405 with `Allow` when the path exists with
/// other methods (as the OpenAPI document and the front end's files say),
/// 404 otherwise.
pub async fn not_found_or_not_allowed(req: HttpRequest) -> HttpResponse {
    // The sandbox's paths are in the document but not routed in production:
    // there they do not exist at all.
    let sandbox_gone = req.path().starts_with("/sandbox/")
        && req
            .app_data::<actix_web::web::Data<crate::state::AppState>>()
            .is_some_and(|state| state.settings.mode == crate::config::Mode::Production);
    let allowed = if sandbox_gone {
        Vec::new()
    } else {
        allowed_methods(req.path())
    };
    if allowed.is_empty() {
        return AppError::NotFound("resource").error_response();
    }
    not_allowed(&req, &allowed)
}

/// 405 with `Allow`: the path exists with other methods.
fn not_allowed(req: &HttpRequest, allowed: &[&str]) -> HttpResponse {
    let allow = allowed.join(", ");
    let mut response = AppError::MethodNotAllowed {
        method: req.method().to_string(),
        allowed: allow.clone(),
    }
    .error_response();
    if let Ok(value) = header::HeaderValue::from_str(&allow) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}

/// The methods served at a path, from the OpenAPI document (built once).
fn allowed_methods(path: &str) -> Vec<&'static str> {
    use std::sync::OnceLock;

    use actix_web::dev::ResourceDef;

    static ROUTES: OnceLock<Vec<(ResourceDef, Vec<&'static str>)>> = OnceLock::new();
    let routes = ROUTES.get_or_init(|| {
        let mut routes: Vec<(ResourceDef, Vec<&'static str>)> = super::openapi::document()
            .paths
            .paths
            .iter()
            .map(|(pattern, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ]
                .into_iter()
                .filter_map(|(method, served)| served.then_some(method))
                .collect();
                (ResourceDef::new(pattern.as_str()), methods)
            })
            .collect();
        // Served but not API operations: the front end and the docs.
        for pattern in [
            "/",
            "/web/{_:.*}",
            "/api/v1/openapi.json",
            "/api/v1/docs",
            "/api/v1/docs/{_:.*}",
        ] {
            routes.push((ResourceDef::new(pattern), vec!["GET"]));
        }
        routes
    });
    // A literal path (`/admin/showtimes/batch`) is its own resource, not an
    // instance of a pattern that also matches it (`/admin/showtimes/{id}`).
    let matching: Vec<_> = routes
        .iter()
        .filter(|(def, _)| def.is_match(path))
        .collect();
    let literal: Vec<_> = matching
        .iter()
        .filter(|(def, _)| !def.pattern().is_some_and(|p| p.contains('{')))
        .collect();
    let chosen = if literal.is_empty() {
        matching
    } else {
        literal.into_iter().copied().collect()
    };
    chosen
        .iter()
        .flat_map(|(_, methods)| methods.iter().copied())
        .collect()
}
