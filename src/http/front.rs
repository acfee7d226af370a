//! The bundled web front end: three files compiled into the binary, so
//! `cargo run` serves it with no Node build step. It uses only the public
//! JSON API and the live seat map.

use actix_web::{HttpResponse, http::header, web};

const INDEX: &str = include_str!("../../web/index.html");
const SCRIPT: &str = include_str!("../../web/app.js");
const STYLE: &str = include_str!("../../web/app.css");

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/",
        web::get().to(|| file(INDEX, "text/html; charset=utf-8")),
    )
    .route(
        "/app.js",
        web::get().to(|| file(SCRIPT, "text/javascript; charset=utf-8")),
    )
    .route(
        "/app.css",
        web::get().to(|| file(STYLE, "text/css; charset=utf-8")),
    );
}

async fn file(body: &'static str, content_type: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        // A new binary may bring new files: check each time, cheaply.
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body)
}
