//! One request in, one response out: parses the path once into a [`Route`], sends the control
//! endpoint's exact spelling to [`super::control`] and answers every other path from the served
//! directory (or with the path's refusal), applying the request-level faults
//! (`latency`, `fail_rate`, `ignore_range`, `change_etag`, `corrupt`) and the conditional and
//! range headers, then logs the response. Under `--require-token` the [`TokenGate`] judges a
//! file request before its file is looked up: refused, it is a `403` with `WWW-Authenticate`.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};

use super::body::{FileSlice, ServeBody, stream_file};
use super::control;
use super::faults::Faults;
use super::files::{self, FileInfo};
use super::gate::{self, Admission, TokenGate};
use super::log::{Outcome, RequestRecord, trace};
use super::range::{self, RangeRequest};
use super::route::{FilePath, Refusal, Route, route};
use super::state::Shared;
use super::token::Denial;

/// Every request of every connection comes through here.
pub async fn handle(
    request: Request<Incoming>,
    shared: Arc<Shared>,
) -> Result<Response<ServeBody>, Infallible> {
    let path = match route(request.uri().path()) {
        Ok(Route::Control(endpoint)) => {
            return Ok(control::handle(request, &endpoint, &shared).await);
        }
        Ok(Route::File(path)) => Ok(path),
        Err(refusal) => Err(refusal),
    };
    Ok(serve(&request, path, shared).await)
}

/// What to answer, before it becomes a response and a log record.
struct Reply {
    status: StatusCode,
    headers: Vec<(header::HeaderName, String)>,
    body: ReplyBody,
    faults: Vec<&'static str>,
}

enum ReplyBody {
    Empty,
    Text(String),
    File(FileSlice),
}

impl Reply {
    /// A short text answer: `NAME: MESSAGE`, the name stable for scripts and tests.
    fn text(status: StatusCode, name: &str, message: &str) -> Self {
        Reply {
            status,
            headers: vec![(header::CONTENT_TYPE, "text/plain; charset=utf-8".into())],
            body: ReplyBody::Text(format!("{name}: {message}\n")),
            faults: Vec::new(),
        }
    }

    fn refusal(refusal: Refusal) -> Self {
        Reply::text(refusal.status(), refusal.name(), refusal.message())
    }

    /// `403` with the challenge: `NAME: why`, the secret and the signature never repeated.
    fn forbidden(denial: &Denial) -> Self {
        let mut reply = Reply::text(StatusCode::FORBIDDEN, denial.name(), &denial.to_string());
        reply
            .headers
            .push((header::WWW_AUTHENTICATE, gate::www_authenticate(denial)));
        reply
    }
}

/// The token gate's word on a request for `path`; `None` when no token is required.
fn admit(
    request: &Request<Incoming>,
    path: &FilePath,
    gate: Option<&TokenGate>,
) -> Option<Admission> {
    let gate = gate?;
    let authorization: Vec<&[u8]> = request
        .headers()
        .get_all(header::AUTHORIZATION)
        .iter()
        .map(HeaderValue::as_bytes)
        .collect();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let uri = request.uri();
    Some(gate.admit(path, uri.path(), uri.query(), &authorization, now))
}

/// Answers a file request (or a refused path) and records it in the log.
async fn serve(
    request: &Request<Incoming>,
    path: Result<FilePath, Refusal>,
    shared: Arc<Shared>,
) -> Response<ServeBody> {
    let faults = shared.faults();
    let mut applied = Vec::new();
    let mut auth = None;
    if let Some(latency) = faults.latency.filter(|latency| !latency.is_zero()) {
        tokio::time::sleep(latency).await;
        applied.push("latency");
    }
    let mut reply = if shared.roll_failure(faults.fail_rate) {
        applied.push("fail");
        let mut reply = Reply::text(
            StatusCode::SERVICE_UNAVAILABLE,
            "fail",
            "injected failure (fail_rate)",
        );
        reply
            .headers
            .push((header::RETRY_AFTER, faults.retry_after.to_string()));
        reply
    } else if request.method() != Method::GET && request.method() != Method::HEAD {
        let mut reply = Reply::text(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            "only GET and HEAD are served",
        );
        reply.headers.push((header::ALLOW, "GET, HEAD".into()));
        reply
    } else {
        let admission = path
            .as_ref()
            .ok()
            .and_then(|path| admit(request, path, shared.gate.as_ref()));
        auth = admission.as_ref().map(Admission::name);
        let file = match (path, admission) {
            (Ok(_), Some(Admission::Refused(denial))) => Err(Reply::forbidden(&denial)),
            (Ok(path), _) => files::resolve(&shared.root, shared.hidden.as_deref(), &path)
                .await
                .map_err(Reply::refusal),
            (Err(refusal), _) => Err(Reply::refusal(refusal)),
        };
        match file {
            Ok(file) => file_reply(request.headers(), &file, &faults, &shared),
            Err(reply) => reply,
        }
    };
    applied.append(&mut reply.faults);
    respond(request, reply, applied, auth, shared)
}

/// The reply for an existing file: validators, conditionals, ranges, and the slice to stream.
fn file_reply(headers: &HeaderMap, file: &FileInfo, faults: &Faults, shared: &Shared) -> Reply {
    let mut applied = Vec::new();
    let etag = if faults.change_etag {
        applied.push("change_etag");
        let serial = shared.next_etag_serial();
        format!("{}-{serial:x}\"", file.etag.trim_end_matches('"'))
    } else {
        file.etag.clone()
    };
    let mut out = vec![
        (header::ETAG, etag.clone()),
        (
            header::LAST_MODIFIED,
            httpdate::fmt_http_date(file.modified),
        ),
        (header::ACCEPT_RANGES, "bytes".to_string()),
    ];
    let text = |name: header::HeaderName| headers.get(name).and_then(|value| value.to_str().ok());
    let not_modified = match text(header::IF_NONE_MATCH) {
        Some(tags) => range::if_none_match_matches(tags, &etag),
        None => text(header::IF_MODIFIED_SINCE).is_some_and(|date| {
            !faults.change_etag && range::not_modified_since(date, file.modified)
        }),
    };
    if not_modified {
        return Reply {
            status: StatusCode::NOT_MODIFIED,
            headers: out,
            body: ReplyBody::Empty,
            faults: applied,
        };
    }
    let mut wanted = match text(header::RANGE) {
        Some(value) => range::parse_range(value, file.len),
        None => RangeRequest::Full,
    };
    if wanted != RangeRequest::Full {
        if faults.ignore_range {
            applied.push("ignore_range");
            wanted = RangeRequest::Full;
        } else if let Some(validator) = text(header::IF_RANGE)
            && (faults.change_etag || !range::if_range_matches(validator, &etag, file.modified))
        {
            wanted = RangeRequest::Full;
        }
    }
    let (status, start, len) = match wanted {
        RangeRequest::Full => (StatusCode::OK, 0, file.len),
        RangeRequest::Partial { start, end } => {
            out.push((
                header::CONTENT_RANGE,
                RangeRequest::content_range(start, end, file.len),
            ));
            (StatusCode::PARTIAL_CONTENT, start, end - start + 1)
        }
        RangeRequest::Unsatisfiable => {
            out.push((header::CONTENT_RANGE, format!("bytes */{}", file.len)));
            return Reply {
                status: StatusCode::RANGE_NOT_SATISFIABLE,
                headers: out,
                body: ReplyBody::Empty,
                faults: applied,
            };
        }
    };
    let corrupt_at = (faults.corrupt && file.len > 0)
        .then_some(file.len / 2)
        .filter(|at| (start..start + len).contains(at));
    if corrupt_at.is_some() {
        applied.push("corrupt");
    }
    out.push((header::CONTENT_TYPE, file.content_type.to_string()));
    out.push((header::CONTENT_LENGTH, len.to_string()));
    Reply {
        status,
        headers: out,
        body: ReplyBody::File(FileSlice {
            path: file.path.clone(),
            start,
            len,
            corrupt_at,
            record: 0,
        }),
        faults: applied,
    }
}

/// Turns a reply into a response, logs it, and starts streaming its file if it has one.
fn respond(
    request: &Request<Incoming>,
    reply: Reply,
    faults: Vec<&'static str>,
    auth: Option<&'static str>,
    shared: Arc<Shared>,
) -> Response<ServeBody> {
    let header_text = |name| {
        request
            .headers()
            .get(name)
            .map(|value: &HeaderValue| String::from_utf8_lossy(value.as_bytes()).into_owned())
    };
    let is_head = request.method() == Method::HEAD;
    let mut record = RequestRecord {
        id: 0,
        method: request.method().to_string(),
        path: request.uri().path().to_string(),
        range: header_text(header::RANGE),
        if_range: header_text(header::IF_RANGE),
        status: reply.status.as_u16(),
        bytes_sent: 0,
        faults: faults.iter().map(|fault| fault.to_string()).collect(),
        outcome: Outcome::Complete,
        auth: auth.map(str::to_string),
    };
    let streams = matches!(reply.body, ReplyBody::File(ref slice) if !is_head && slice.len > 0);
    if streams {
        record.outcome = Outcome::InProgress;
    } else if let ReplyBody::Text(ref text) = reply.body
        && !is_head
    {
        record.bytes_sent = text.len() as u64;
    }
    let id = shared.log.push(record);
    let body = match reply.body {
        ReplyBody::File(mut slice) if streams => {
            slice.record = id;
            stream_file(slice, shared.clone())
        }
        ReplyBody::Text(text) if !is_head => ServeBody::full(text),
        _ => ServeBody::empty(),
    };
    if !streams && let Some(record) = shared.log.get(id) {
        trace(&record);
    }
    let mut response = Response::new(body);
    *response.status_mut() = reply.status;
    for (name, value) in reply.headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}
