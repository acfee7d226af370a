//! The one error type of the system. Each variant has a stable `code`; the
//! HTTP layer turns it into an RFC 9457 problem document in one place
//! (`http::problem`).

use serde::Serialize;

/// A field that failed validation, reported back to the client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Another showtime a new or moved one would collide with in its
/// auditorium (409 `showtime_overlap`): it overlaps it, or one of the two
/// starts less than `catalog.cleaning_gap` after the other ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Overlap {
    /// The existing showtime; `null` for another showtime of the same batch.
    pub id: Option<i64>,
    /// When the other showtime starts (the cinema's offset).
    pub starts_at: String,
    /// When the other showtime ends (the cinema's offset).
    pub ends_at: String,
    /// The start, in this request, of the showtime that collides with it.
    pub with_starts_at: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{detail}")]
    Validation {
        code: &'static str,
        detail: String,
        errors: Vec<FieldError>,
    },
    #[error("{detail}")]
    BadRequest { code: &'static str, detail: String },
    #[error("the request body is larger than {limit_kib} KiB")]
    PayloadTooLarge { limit_kib: usize },
    #[error("send the body as {expected}")]
    UnsupportedMediaType { expected: &'static str },
    #[error("authentication required")]
    Unauthenticated,
    #[error("wrong e-mail or password")]
    InvalidCredentials,
    #[error("the notification signature does not match")]
    InvalidSignature,
    /// A gateway notification whose `signature_key` is missing or wrong
    /// (Midtrans: answered 403, so it is neither retried nor acted on).
    #[error("the notification signature is missing or does not match")]
    SignatureRejected,
    #[error("this needs the {0} role")]
    Forbidden(&'static str),
    /// A change asked with the session cookie whose `X-CSRF-Token` header is
    /// missing or not the one that cookie's session was given: it may come
    /// from another site's page, so nothing is done.
    #[error(
        "the X-CSRF-Token header is missing or does not match this session's bioskop_csrf cookie"
    )]
    CsrfFailed,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{method} is not served here; use {allowed}")]
    MethodNotAllowed { method: String, allowed: String },
    #[error("an account with this e-mail already exists")]
    EmailTaken,
    #[error("seats {} are not available", .seats.join(", "))]
    SeatUnavailable { seats: Vec<String> },
    #[error("the showtime was cancelled")]
    ShowtimeCancelled,
    #[error("the showtime has already started")]
    ShowtimeStarted,
    #[error("the showtime would collide with {}", overlap_names(.overlaps))]
    ShowtimeOverlap { overlaps: Vec<Overlap> },
    #[error("you already hold booking {booking_id} for this showtime")]
    BookingAlreadyOpen { booking_id: crate::ids::BookingId },
    #[error("this ticket was already checked in at {checked_in_at}")]
    AlreadyUsed { checked_in_at: String },
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    #[error("too many attempts; try again in {retry_after_secs} s")]
    TooManyAttempts { retry_after_secs: u64 },
    /// A hold, an added or a removed seat that would leave `seats` free and
    /// alone in their row (`booking.no_single_gap`, DESIGN 4c);
    /// `alternatives`: up to three seat sets of the same size that would not.
    #[error("this would leave seat {} alone in its row; choose seats beside it or at the row's end", .seats.join(", "))]
    SingleSeatGap {
        seats: Vec<String>,
        alternatives: Vec<Vec<String>>,
    },
    /// Wheelchair spaces a customer would hold without the companion seat
    /// beside them (DESIGN 4c; the box office, an admin, may).
    #[error("wheelchair space {} is held only together with the companion seat beside it", .seats.join(", "))]
    WheelchairCompanion { seats: Vec<String> },
    /// No block of the asked number of adjacent free seats is left
    /// (`POST /showtimes/{id}/best-seats`); `largest_block` is the most there is.
    #[error("not that many adjacent free seats; the largest block free has {largest_block}")]
    NotEnoughAdjacent { largest_block: usize },
    /// A customer re-holding seats they released themselves, too soon.
    #[error("you released seats {} a moment ago; you can hold them again in {retry_after_secs} s", .seats.join(", "))]
    ReholdCooldown {
        seats: Vec<String>,
        retry_after_secs: u64,
    },
    /// A customer starting holds too often (`booking.max_holds_per_customer_per_hour`).
    #[error("too many holds started this hour; try again in {retry_after_secs} s")]
    HoldRate { retry_after_secs: u64 },
    /// A showtime whose stored state does not load (a hand-edited or damaged
    /// database): the rest of the cinema goes on; `why` is for the log and
    /// the admins' alert, never the answer.
    #[error("showtime {showtime_id} cannot be loaded now; the staff have been told")]
    ShowtimeUnavailable { showtime_id: i64, why: String },
    /// A password change whose current password is not the account's.
    #[error("the current password is not right")]
    WrongPassword,
    /// One client address following too many live seat maps at once.
    #[error("this address follows {limit} live seat maps already; close one first")]
    TooManyStreams { limit: usize },
    /// Too many sign-ups from one client address lately.
    #[error("too many sign-ups from this address; try again in {retry_after_secs} s")]
    TooManySignups { retry_after_secs: u64 },
    /// Too much at once (hashing, the writer's queue): come back shortly.
    #[error("the server is busy; try again in {retry_after_secs} s")]
    Overloaded { retry_after_secs: u64 },
    #[error("the database is unavailable: {0}")]
    Storage(String),
    /// The payment gateway could not be reached or refused the call; the
    /// text is for the log, the customer is told to try again.
    #[error("the payment gateway is unavailable: {0}")]
    GatewayUnavailable(String),
    #[error("the payment gateway did not answer in time")]
    GatewayTimeout,
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn validation(code: &'static str, detail: impl Into<String>) -> AppError {
        AppError::Validation {
            code,
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> AppError {
        AppError::Conflict {
            code,
            detail: detail.into(),
        }
    }

    /// The stable, machine-readable code clients branch on.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Validation { code, .. } => code,
            AppError::BadRequest { code, .. } => code,
            AppError::PayloadTooLarge { .. } => "payload_too_large",
            AppError::UnsupportedMediaType { .. } => "unsupported_media_type",
            AppError::Unauthenticated => "unauthenticated",
            AppError::InvalidCredentials => "invalid_credentials",
            AppError::InvalidSignature | AppError::SignatureRejected => "invalid_signature",
            AppError::Forbidden(_) => "forbidden",
            AppError::CsrfFailed => "csrf_failed",
            AppError::NotFound(_) => "not_found",
            AppError::MethodNotAllowed { .. } => "method_not_allowed",
            AppError::EmailTaken => "email_taken",
            AppError::SeatUnavailable { .. } => "seat_unavailable",
            AppError::ShowtimeCancelled => "showtime_cancelled",
            AppError::ShowtimeStarted => "showtime_started",
            AppError::ShowtimeOverlap { .. } => "showtime_overlap",
            AppError::BookingAlreadyOpen { .. } => "booking_already_open",
            AppError::AlreadyUsed { .. } => "already_used",
            AppError::Conflict { code, .. } => code,
            AppError::TooManyAttempts { .. } => "too_many_attempts",
            AppError::ReholdCooldown { .. } => "rehold_cooldown",
            AppError::SingleSeatGap { .. } => "single_seat_gap",
            AppError::NotEnoughAdjacent { .. } => "not_enough_adjacent",
            AppError::WheelchairCompanion { .. } => "wheelchair_companion",
            AppError::HoldRate { .. } => "hold_rate",
            AppError::Overloaded { .. } => "overloaded",
            AppError::TooManySignups { .. } => "too_many_signups",
            AppError::TooManyStreams { .. } => "too_many_streams",
            AppError::WrongPassword => "wrong_password",
            AppError::ShowtimeUnavailable { .. } => "showtime_unavailable",
            AppError::Storage(_) => "storage_unavailable",
            AppError::GatewayUnavailable(_) => "gateway_unavailable",
            AppError::GatewayTimeout => "gateway_timeout",
            AppError::Internal(_) => "internal_error",
        }
    }
}

/// "showtime 12 (…), another of this batch (…)" for the problem's detail.
/// At most this many collisions are described in a 409 (a batch of many
/// times a minute apart could otherwise answer thousands).
pub const OVERLAPS_LISTED: usize = 50;

fn overlap_names(overlaps: &[Overlap]) -> String {
    let more = overlaps.len().saturating_sub(5);
    let named = overlaps
        .iter()
        .take(5)
        .map(|o| {
            let which = match o.id {
                Some(id) => format!("showtime {id}"),
                None => "another showtime of this batch".to_string(),
            };
            format!(
                "{which} ({} to {}) at {}",
                o.starts_at, o.ends_at, o.with_starts_at
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    if more > 0 {
        format!("{named}; and {more} more")
    } else {
        named
    }
}

impl From<rusqlite::Error> for AppError {
    fn from(error: rusqlite::Error) -> AppError {
        AppError::Storage(error.to_string())
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// `text` trimmed, when it is 1 to `max` characters; 422 `code` otherwise
/// (a reason, a note: free text a person must write).
pub fn required_text(
    text: &str,
    max: usize,
    field: &'static str,
    code: &'static str,
    asked: &str,
) -> AppResult<String> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > max {
        return Err(AppError::Validation {
            code,
            detail: format!("{asked} (1 to {max} characters)"),
            errors: vec![FieldError::new(field, format!("1 to {max} characters"))],
        });
    }
    Ok(text.to_string())
}

/// A status filter: none, or one of `allowed`; 422 `invalid_status` otherwise.
pub fn status_filter(status: Option<String>, allowed: &[&str]) -> AppResult<Option<String>> {
    match status.filter(|s| !s.is_empty()) {
        Some(status) if !allowed.contains(&status.as_str()) => Err(AppError::validation(
            "invalid_status",
            format!("status must be one of {}", allowed.join(", ")),
        )),
        status => Ok(status),
    }
}
