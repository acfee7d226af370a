//! One log line per request: method, route pattern (`/api/v1/bookings/{id}`,
//! never the ids themselves), status and latency, inside a request span that
//! the services' own spans nest in.

use std::time::Instant;

use actix_web::{
    Error, HttpMessage,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    web,
};
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RootSpanBuilder};

use super::client::client_address;
use crate::state::AppState;

/// The [`RootSpanBuilder`] of bioskop's `TracingLogger`: the default span,
/// and an event when the answer is ready.
pub struct RequestLog;

/// When the request arrived, kept in its extensions.
struct Arrived(Instant);

impl RootSpanBuilder for RequestLog {
    fn on_request_start(request: &ServiceRequest) -> Span {
        // The default span reads the connection info, the user agent and the
        // route of every request: left out altogether when the log level
        // leaves request logs out (as in a flash sale at `warn`).
        if !tracing::enabled!(tracing::Level::INFO) {
            return Span::none();
        }
        request.extensions_mut().insert(Arrived(Instant::now()));
        // Not the default span: it would log the query string (which can
        // carry a checkout token) and believe any X-Forwarded-For.
        let trusted = request
            .app_data::<web::Data<AppState>>()
            .map(|state| state.settings.http.trusted_proxies.clone())
            .unwrap_or_default();
        let client = client_address(request.peer_addr(), request.headers(), &trusted)
            .map(|a| a.to_string())
            .unwrap_or_default();
        tracing::info_span!(
            "request",
            method = %request.method(),
            client,
            request_id = %uuid::Uuid::new_v4(),
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        if span.is_none() {
            return;
        }
        if let Ok(response) = outcome {
            let request = response.request();
            let latency_ms = request
                .extensions()
                .get::<Arrived>()
                .map_or(0.0, |a| a.0.elapsed().as_secs_f64() * 1000.0);
            // Routed by now: the pattern, or none for a path nobody serves.
            let route = request.match_pattern().unwrap_or_else(|| "-".to_string());
            span.in_scope(|| {
                tracing::info!(
                    method = %request.method(),
                    route,
                    status = response.status().as_u16(),
                    latency_ms,
                    "request"
                );
            });
        }
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}
