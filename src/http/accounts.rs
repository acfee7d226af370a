//! /auth/* and /me.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::auth::Caller;
use crate::{accounts::Registration, error::AppResult, state::AppState};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/register", web::post().to(register))
        .route("/auth/login", web::post().to(login))
        .route("/auth/logout", web::post().to(logout))
        .route("/me", web::get().to(me));
}

async fn register(
    state: web::Data<AppState>,
    body: web::Json<Registration>,
) -> AppResult<HttpResponse> {
    let session = state.accounts.register(body.into_inner()).await?;
    Ok(HttpResponse::Created().json(session))
}

#[derive(Deserialize)]
struct Login {
    email: String,
    password: String,
}

async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<Login>,
) -> AppResult<HttpResponse> {
    let client = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    let session = state
        .accounts
        .login(&body.email, &body.password, &client)
        .await?;
    Ok(HttpResponse::Ok().json(session))
}

async fn logout(state: web::Data<AppState>, caller: Caller) -> AppResult<HttpResponse> {
    state.accounts.logout(&caller.token).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn me(caller: Caller) -> HttpResponse {
    HttpResponse::Ok().json(caller.user)
}
