//! /auth/* and /me.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::openapi::{Anyone, JsonBody, Problem, SignedIn};
use super::{auth::Caller, body::Body};
use crate::{
    accounts::{Registration, Session, User, users::PasswordChange},
    error::AppResult,
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

/// Create a customer account; answers a session token.
#[utoipa::path(
    post,
    path = "/api/v1/auth/register",
    tag = "accounts",
    request_body = Registration,
    responses(
        (status = 201, description = "registered and signed in", body = Session),
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
    Ok(HttpResponse::Created().json(session))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Login {
    #[schema(max_length = 254)]
    email: String,
    #[schema(max_length = 1024)]
    password: String,
}

/// Sign in; answers a session token.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "accounts",
    request_body = Login,
    responses(
        (status = 200, description = "signed in", body = Session),
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
    Ok(HttpResponse::Ok().json(session))
}

/// End the session of this token.
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    tag = "accounts",
    security(("bearer" = [])),
    responses((status = 204, description = "signed out"), SignedIn)
)]
pub async fn logout(state: web::Data<AppState>, caller: Caller) -> AppResult<HttpResponse> {
    state.accounts.logout(&caller.token).await?;
    Ok(HttpResponse::NoContent().finish())
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

/// End every session of the caller, this one too (a lost phone, a shared computer).
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout-all",
    tag = "accounts",
    security(("bearer" = [])),
    responses((status = 204, description = "every session ended"), SignedIn)
)]
pub async fn logout_all(state: web::Data<AppState>, caller: Caller) -> AppResult<HttpResponse> {
    state.accounts.logout_all(caller.user.id).await?;
    Ok(HttpResponse::NoContent().finish())
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
