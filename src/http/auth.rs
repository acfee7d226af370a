//! Who is calling: extractors for handlers, and the browser's session
//! cookies.
//!
//! API clients send their session token as `Authorization: Bearer`. The
//! browser keeps it in the `bioskop_session` cookie (`HttpOnly`, so a script
//! injected into the page cannot read it; `SameSite=Strict`, so another
//! site's page does not make the browser send it). A change asked with the
//! cookie must also carry `X-CSRF-Token`: the value of the readable
//! `bioskop_csrf` cookie, derived from the session token. Only the page of
//! this origin can read that cookie and set that header, so a forged request
//! that somehow carries the session cookie is refused (403 `csrf_failed`).
//! A bearer request needs no such header: another site's page cannot make
//! the browser send an `Authorization` header it does not know.

use std::time::Duration;

use actix_web::{
    FromRequest, HttpRequest, HttpResponse,
    cookie::{Cookie, SameSite},
    dev::Payload,
    http::{Method, header},
    web,
};
use futures_util::future::LocalBoxFuture;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::{
    accounts::{Role, User},
    error::AppError,
    state::AppState,
};

/// A logged-in caller (any role), by bearer or session cookie; 401
/// otherwise, and 403 `csrf_failed` for a cookie session's change without
/// its CSRF token.
pub struct Caller {
    pub user: User,
    pub token: String,
}

/// A logged-in admin; 403 for other roles, 401 when not logged in.
pub struct Admin(pub User);

impl Caller {
    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }
}

/// A logged-in admin or staff member (door staff check tickets in).
pub struct Staff(pub User);

/// The logged-in caller if their role is one of `allowed`; 403 naming `needs` otherwise.
fn with_role(
    req: &HttpRequest,
    payload: &mut Payload,
    allowed: &'static [Role],
    needs: &'static str,
) -> LocalBoxFuture<'static, Result<User, AppError>> {
    let caller = Caller::from_request(req, payload);
    Box::pin(async move {
        let caller = caller.await?;
        if allowed.contains(&caller.user.role) {
            Ok(caller.user)
        } else {
            Err(AppError::Forbidden(needs))
        }
    })
}

impl FromRequest for Admin {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Admin, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = with_role(req, payload, &[Role::Admin], "admin");
        Box::pin(async move { user.await.map(Admin) })
    }
}

impl FromRequest for Staff {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Staff, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = with_role(req, payload, &[Role::Admin, Role::Staff], "staff");
        Box::pin(async move { user.await.map(Staff) })
    }
}

/// A caller who may be anonymous; an invalid token counts as anonymous, and
/// so does a cookie session asking for a change without its `X-CSRF-Token`
/// (the sandbox checkout's own form posts with the page's signed token and
/// no header: it is judged by that token, not the cookie).
pub struct MaybeCaller(pub Option<User>);

/// The cookie that carries the browser's session token (`HttpOnly`).
pub const SESSION_COOKIE: &str = "bioskop_session";
/// The cookie the page reads its CSRF token from (not `HttpOnly`).
pub const CSRF_COOKIE: &str = "bioskop_csrf";
/// The header a cookie session's changes carry the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Longest session token believed; real ones are 64 hex digits.
const MAX_TOKEN_LEN: usize = 256;

/// The CSRF token of a session: lowercase hex SHA-256 of
/// `bioskop-csrf-v1:` and the session token. Bound to the session (it ends
/// with it) and needing no server secret; the session token cannot be
/// recovered from it, so the readable cookie gives an injected script
/// nothing it could use elsewhere.
pub fn csrf_token(session_token: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(b"bioskop-csrf-v1:");
    hash.update(session_token.as_bytes());
    hex::encode(hash.finalize())
}

/// Where a request's session token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Bearer,
    Cookie,
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = token.trim();
    (!token.is_empty() && token.len() <= MAX_TOKEN_LEN).then(|| token.to_string())
}

/// The request's session token: its bearer when it has an `Authorization`
/// header (even one that is not a valid bearer: an API client's mistake is
/// not covered up by a cookie the client may carry along), else the session
/// cookie.
fn credential(req: &HttpRequest) -> Option<(String, Source)> {
    if req.headers().contains_key(header::AUTHORIZATION) {
        return bearer(req).map(|token| (token, Source::Bearer));
    }
    let cookie = req.cookie(SESSION_COOKIE)?;
    let token = cookie.value().trim();
    (!token.is_empty() && token.len() <= MAX_TOKEN_LEN).then(|| (token.to_string(), Source::Cookie))
}

/// Whether a request authenticated as `source` with `token` may go on: a
/// cookie session's change (anything but GET, HEAD, OPTIONS) must carry
/// the session's CSRF token in `X-CSRF-Token`, compared in constant time.
fn csrf_passes(req: &HttpRequest, token: &str, source: Source) -> bool {
    if source == Source::Bearer
        || matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
    {
        return true;
    }
    let Some(sent) = req.headers().get(CSRF_HEADER) else {
        return false;
    };
    let expected = csrf_token(token);
    bool::from(expected.as_bytes().ct_eq(sent.as_bytes()))
}

impl FromRequest for Caller {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Caller, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let credential = credential(req);
        // Judged now (the request is not kept), used only once the session
        // is known to be valid: an unknown or ended session is 401 first.
        let csrf = credential
            .as_ref()
            .map(|(token, source)| csrf_passes(req, token, *source));
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::Internal("no application state".into()))?;
            let (token, _) = credential.ok_or(AppError::Unauthenticated)?;
            let user = state.accounts.authenticate(&token).await?;
            if csrf != Some(true) {
                return Err(AppError::CsrfFailed);
            }
            Ok(Caller { user, token })
        })
    }
}

impl FromRequest for MaybeCaller {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<MaybeCaller, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = credential(req)
            .filter(|(token, source)| csrf_passes(req, token, *source))
            .map(|(token, _)| token);
        Box::pin(async move {
            let (Some(state), Some(token)) = (state, token) else {
                return Ok(MaybeCaller(None));
            };
            match state.accounts.authenticate(&token).await {
                Ok(user) => Ok(MaybeCaller(Some(user))),
                Err(AppError::Unauthenticated) => Ok(MaybeCaller(None)),
                Err(other) => Err(other),
            }
        })
    }
}

/// The cookies that sign the browser in with `session_token` for `ttl` (the
/// session's lifetime): the session itself, unreadable by scripts, and its
/// CSRF token for the page to send back. `Secure` when the server is
/// reached over https.
pub fn session_cookies(session_token: &str, ttl: Duration, secure: bool) -> [Cookie<'static>; 2] {
    let max_age = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX);
    [
        cookie(
            SESSION_COOKIE,
            session_token.to_string(),
            max_age,
            secure,
            true,
        ),
        cookie(
            CSRF_COOKIE,
            csrf_token(session_token),
            max_age,
            secure,
            false,
        ),
    ]
}

/// The same two cookies, empty and expired: the browser forgets them.
pub fn ended_session_cookies(secure: bool) -> [Cookie<'static>; 2] {
    [
        cookie(SESSION_COOKIE, String::new(), 0, secure, true),
        cookie(CSRF_COOKIE, String::new(), 0, secure, false),
    ]
}

fn cookie(
    name: &'static str,
    value: String,
    max_age_secs: i64,
    secure: bool,
    http_only: bool,
) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .same_site(SameSite::Strict)
        .max_age(actix_web::cookie::time::Duration::seconds(max_age_secs))
        .http_only(http_only)
        .secure(secure)
        .finish()
}

/// Adds `cookies` to a finished answer (a problem document, say).
pub fn add_cookies(response: &mut HttpResponse, cookies: &[Cookie<'static>]) {
    for cookie in cookies {
        // Only fails for a value that is not a valid header, which these
        // fixed names and hex values never are.
        if let Err(error) = response.add_cookie(cookie) {
            tracing::error!(%error, name = cookie.name(), "setting a cookie");
        }
    }
}
