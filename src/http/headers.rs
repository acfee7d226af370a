//! Security headers on every answer (the front end, the API, the sandbox
//! page): a Content-Security-Policy with no inline script or style (posters
//! may come from any https address), no framing, no MIME sniffing, no
//! referrer beyond the origin, and HSTS when the public address is https.
//! The Swagger UI at `/api/v1/docs` is a third-party page with inline code:
//! it gets a policy that allows that, and nothing else changes for it.

use actix_web::http::header::{HeaderName, HeaderValue};

/// The front end's and the API's policy.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data: https:; connect-src 'self'; font-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The Swagger UI's: its own inline code, still never framed.
const DOCS_POLICY: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; \
     base-uri 'none'; frame-ancestors 'none'";

/// The headers for an answer to `path`; HSTS only when the server is
/// reached over https (`http.public_url`), where a browser will honour it.
pub fn for_path(path: &str, https: bool) -> Vec<(HeaderName, HeaderValue)> {
    let policy = if path == "/api/v1/docs" || path.starts_with("/api/v1/docs/") {
        DOCS_POLICY
    } else {
        CONTENT_SECURITY_POLICY
    };
    let mut headers = vec![
        (
            HeaderName::from_static("content-security-policy"),
            HeaderValue::from_static(policy),
        ),
        (
            HeaderName::from_static("x-content-type-options"),
            HeaderValue::from_static("nosniff"),
        ),
        (
            HeaderName::from_static("x-frame-options"),
            HeaderValue::from_static("DENY"),
        ),
        (
            HeaderName::from_static("referrer-policy"),
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ),
    ];
    if https {
        headers.push((
            HeaderName::from_static("strict-transport-security"),
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        ));
    }
    headers
}
