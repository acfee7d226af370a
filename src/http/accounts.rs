//! /auth/* and /me.

use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, ResponseError, web};
use serde::Deserialize;

use super::openapi::{Anyone, JsonBody, Problem, SignedIn};
use super::{
    auth::{self, Caller},
    body::Body,
};
use crate::{
    accounts::{Registration, Session, User, users::PasswordChange},
    error::{AppError, AppResult},
    state::AppState,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/register", web::post().to(register))
        .route("/auth/login", web::post().to(login))
        .route("/auth/logout", web::post().to(logout))
        .route("/auth/logout-all", web::post().to(logout_all))
        .route("/me/password", web::post().to(change_password))
        .route("/me", web::get().to(me));
}

/// Create a customer account; answers a session token, and sets it as the
/// browser's session cookie.
#[utoipa::path(
    post,
    path = "/api/v1/auth/register",
    tag = "accounts",
    request_body = Registration,
    responses(
        (status = 201, description = "registered and signed in", body = Session,
            headers(("Set-Cookie" = String, description = "`bioskop_session` (the token; `HttpOnly; SameSite=Strict; Path=/`, `Secure` over https, `Max-Age` the session's lifetime) and `bioskop_csrf` (the CSRF token cookie sessions send as `X-CSRF-Token`; readable by the page)"))),
        (status = 409, description = "`email_taken`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_body`, `invalid_fields`: a field is refused (see `errors`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too_many_signups` from this address: wait `retry_after` seconds", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`overloaded`: too many sign-ups at once; wait `retry_after` seconds", body = Problem, content_type = "application/problem+json"),
        Anyone, JsonBody
    )
)]
pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Body<Registration>,
) -> AppResult<HttpResponse> {
    let client = client_of(&state, &req);
    let session = state.accounts.register(body.into_inner(), &client).await?;
    Ok(signed_in(&state, HttpResponse::Created(), &session))
}

/// The session in the body (API clients) and in the browser's cookies.
fn signed_in(
    state: &AppState,
    mut response: HttpResponseBuilder,
    session: &Session,
) -> HttpResponse {
    let cookies = auth::session_cookies(
        &session.token,
        state.settings.accounts.session_ttl,
        state.settings.http.is_https(),
    );
    for cookie in cookies {
        response.cookie(cookie);
    }
    response.json(session)
}

/// `response` with the session cookies expired: the browser forgets them.
fn signed_out(state: &AppState, mut response: HttpResponse) -> HttpResponse {
    auth::add_cookies(
        &mut response,
        &auth::ended_session_cookies(state.settings.http.is_https()),
    );
    response
}

/// The answer to a sign-out whose session is already over (expired, ended
/// elsewhere): 401 as for any call, and its cookies, of no use now, go too.
/// Other refusals (`csrf_failed`) change nothing.
fn not_signed_in(state: &AppState, req: &HttpRequest, error: AppError) -> AppResult<HttpResponse> {
    match error {
        // Only a browser that sent its (ended) session cookie is told to
        // forget it: another site's page cannot sign anyone out by posting here.
        AppError::Unauthenticated if req.cookie(super::auth::SESSION_COOKIE).is_some() => {
            Ok(signed_out(state, error.error_response()))
        }
        other => Err(other),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Login {
    #[schema(max_length = 254)]
    email: String,
    #[schema(max_length = 1024)]
    password: String,
}

/// Sign in; answers a session token (API clients send it as a bearer), and
/// sets it as the browser's session cookie with its CSRF cookie.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "accounts",
    request_body = Login,
    responses(
        (status = 200, description = "signed in", body = Session,
            headers(("Set-Cookie" = String, description = "`bioskop_session` (the token; `HttpOnly; SameSite=Strict; Path=/`, `Secure` over https, `Max-Age` the session's lifetime) and `bioskop_csrf` (the CSRF token cookie sessions send as `X-CSRF-Token`; readable by the page)"))),
        (status = 401, description = "`invalid_credentials`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_body`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too_many_attempts` from this address (on this account, or at all): wait `retry_after` seconds", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`overloaded`: too many sign-ins at once; wait `retry_after` seconds", body = Problem, content_type = "application/problem+json"),
        Anyone, JsonBody
    )
)]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Body<Login>,
) -> AppResult<HttpResponse> {
    let client = client_of(&state, &req);
    let session = state
        .accounts
        .login(&body.email, &body.password, &client)
        .await?;
    Ok(signed_in(&state, HttpResponse::Ok(), &session))
}

/// End the session of this token or cookie; the browser's cookies are
/// cleared (also when the session had already ended: 401).
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    tag = "accounts",
    security(("bearer" = [])),
    responses((status = 204, description = "signed out", headers(("Set-Cookie" = String, description = "`bioskop_session` and `bioskop_csrf`, emptied with `Max-Age=0`: the browser forgets them"))), SignedIn)
)]
pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Result<Caller, AppError>,
) -> AppResult<HttpResponse> {
    let caller = match caller {
        Ok(caller) => caller,
        Err(error) => return not_signed_in(&state, &req, error),
    };
    state.accounts.logout(&caller.token).await?;
    Ok(signed_out(&state, HttpResponse::NoContent().finish()))
}

/// Who the token belongs to, with the role.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "accounts",
    security(("bearer" = [])),
    responses((status = 200, description = "the signed-in user", body = User), SignedIn)
)]
pub async fn me(caller: Caller) -> HttpResponse {
    HttpResponse::Ok().json(caller.user)
}

/// The caller's address as `http.trusted_proxies` allows believing it.
fn client_of(state: &AppState, req: &HttpRequest) -> String {
    super::client::address_of(req, &state.settings.http.trusted_proxies)
}

/// End every session of the caller, this one too (a lost phone, a shared
/// computer); this browser's cookies are cleared.
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout-all",
    tag = "accounts",
    security(("bearer" = [])),
    responses((status = 204, description = "every session ended", headers(("Set-Cookie" = String, description = "`bioskop_session` and `bioskop_csrf`, emptied with `Max-Age=0`: the browser forgets them"))), SignedIn)
)]
pub async fn logout_all(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Result<Caller, AppError>,
) -> AppResult<HttpResponse> {
    let caller = match caller {
        Ok(caller) => caller,
        Err(error) => return not_signed_in(&state, &req, error),
    };
    state.accounts.logout_all(caller.user.id).await?;
    Ok(signed_out(&state, HttpResponse::NoContent().finish()))
}

/// A new password for the caller, after the current one; every other
/// session of the account ends (this one goes on).
#[utoipa::path(
    post,
    path = "/api/v1/me/password",
    tag = "accounts",
    request_body = PasswordChange,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "changed; the other sessions are ended"),
        (status = 409, description = "`password_changed`: it was changed meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`wrong_password`: `current_password` is not the account's", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_body`, `invalid_fields` (a short `new_password`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too_many_attempts`: wait `retry_after` seconds", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`overloaded`: wait `retry_after` seconds", body = Problem, content_type = "application/problem+json"),
        SignedIn, JsonBody
    )
)]
pub async fn change_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    body: Body<PasswordChange>,
) -> AppResult<HttpResponse> {
    let client = client_of(&state, &req);
    state
        .accounts
        .change_password(caller.user.id, &caller.token, body.into_inner(), &client)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
