//! The control endpoint under the reserved prefix `/_bgassets/`: read and change the faults
//! while the server runs, and read or clear the request log. It is never faulted and never
//! logged, and always answers JSON (errors as `{"error": "…"}`). It is reached only by the exact
//! spelling of its paths: [`super::route`] decides, once, before anything here runs.
//!
//! | request | answer |
//! |---|---|
//! | `GET /_bgassets/faults` | the current faults |
//! | `PUT /_bgassets/faults` | apply a partial JSON object (`null` clears a field); the new faults |
//! | `DELETE /_bgassets/faults` | clear every fault; the new faults |
//! | `GET /_bgassets/requests` | the request log, oldest first |
//! | `DELETE /_bgassets/requests` | forget the log; `{"cleared": N}` |

use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use serde::Serialize;
use serde_json::json;

use super::body::ServeBody;
use super::faults::Faults;
use super::state::Shared;

/// The reserved path prefix; no file with a `_bgassets*` name is ever served.
pub const PREFIX: &str = "/_bgassets/";
/// The largest control body accepted.
const MAX_BODY: usize = 64 * 1024;

/// Answers one request for the control endpoint `endpoint` (`faults`, `requests`).
pub async fn handle(
    request: Request<Incoming>,
    endpoint: &str,
    shared: &Shared,
) -> Response<ServeBody> {
    let path = request.uri().path().to_string();
    let method = request.method().clone();
    match (endpoint, method) {
        ("faults", Method::GET) => json_reply(StatusCode::OK, &shared.faults()),
        ("faults", Method::PUT) => put_faults(request, shared).await,
        ("faults", Method::DELETE) => {
            shared.replace_faults(Faults::default(), false);
            tracing::info!("faults cleared through the control endpoint");
            json_reply(StatusCode::OK, &shared.faults())
        }
        ("requests", Method::GET) => json_reply(StatusCode::OK, &shared.log.snapshot()),
        ("requests", Method::DELETE) => {
            let cleared = shared.log.snapshot().len();
            shared.log.clear();
            json_reply(StatusCode::OK, &json!({ "cleared": cleared }))
        }
        ("faults", _) => not_allowed("GET, PUT, DELETE"),
        ("requests", _) => not_allowed("GET, DELETE"),
        _ => error_reply(
            StatusCode::NOT_FOUND,
            &format!("unknown control endpoint {path}; known: {PREFIX}faults, {PREFIX}requests"),
        ),
    }
}

/// Applies a partial set of faults; refuses bodies that are too large, not JSON or invalid.
async fn put_faults(request: Request<Incoming>, shared: &Shared) -> Response<ServeBody> {
    let limit = shared.limits.header_read_timeout;
    let read = tokio::time::timeout(limit, Limited::new(request.into_body(), MAX_BODY).collect());
    let body = match read.await {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(error)) => {
            return error_reply(
                StatusCode::BAD_REQUEST,
                &format!("cannot read the body (at most {MAX_BODY} bytes): {error}"),
            );
        }
        Err(_) => {
            return error_reply(
                StatusCode::REQUEST_TIMEOUT,
                &format!("the body did not arrive within {limit:?}"),
            );
        }
    };
    let current = shared.faults();
    match current.patched(&body) {
        Ok(next) => {
            let reseed = serde_json::from_slice::<serde_json::Value>(&body)
                .is_ok_and(|value| value.get("seed").is_some_and(|seed| !seed.is_null()));
            tracing::info!(faults = %next.summary(), "faults changed through the control endpoint");
            shared.replace_faults(next, reseed);
            json_reply(StatusCode::OK, &shared.faults())
        }
        Err(error) => error_reply(StatusCode::BAD_REQUEST, &format!("invalid faults: {error}")),
    }
}

fn not_allowed(allow: &'static str) -> Response<ServeBody> {
    let mut response = error_reply(
        StatusCode::METHOD_NOT_ALLOWED,
        &format!("method not allowed; use {allow}"),
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    response
}

fn error_reply(status: StatusCode, message: &str) -> Response<ServeBody> {
    json_reply(status, &json!({ "error": message }))
}

fn json_reply(status: StatusCode, value: &impl Serialize) -> Response<ServeBody> {
    let (status, text) = match serde_json::to_vec_pretty(value) {
        Ok(mut text) => {
            text.push(b'\n');
            (status, text)
        }
        Err(error) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("{{\"error\": \"cannot encode the reply: {error}\"}}\n").into_bytes(),
        ),
    };
    let mut response = Response::new(ServeBody::full(text));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
