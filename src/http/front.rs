//! The bundled web front end: the files of `web/` compiled into the binary,
//! so `cargo run` serves it with no Node build step. `/` is the page; its
//! JavaScript modules, styles, language catalogues and vendored libraries are
//! under `/web/`. It uses only the public JSON API and the live seat map.

use actix_web::{HttpResponse, ResponseError, http::header, web};
use include_dir::{Dir, include_dir};

static WEB: Dir = include_dir!("$CARGO_MANIFEST_DIR/web");

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(|| served("index.html")))
        .route(
            "/web/{path:.*}",
            web::get().to(|path: web::Path<String>| served_at(path.into_inner())),
        );
}

async fn served_at(path: String) -> HttpResponse {
    served(&path).await
}

async fn served(path: &str) -> HttpResponse {
    let Some(file) = WEB.get_file(path) else {
        return crate::error::AppError::NotFound("file").error_response();
    };
    let content_type = match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("json") => "application/json",
        _ => "text/plain; charset=utf-8",
    };
    HttpResponse::Ok()
        .content_type(content_type)
        // A new binary may bring new files: check each time, cheaply.
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(file.contents())
}
