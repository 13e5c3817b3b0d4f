//! Reading a server's answer to a (possibly ranged) GET: whether to append to the partial file,
//! start it over, or treat it as complete; and which failures are worth retrying.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{
    CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, HeaderMap, RETRY_AFTER,
};

use super::retry::parse_retry_after;
use crate::model::{ErrorKind, PackError};

/// Why one attempt failed, and what to do next.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// What went wrong, as the download reports it.
    pub error: PackError,
    /// Worth another attempt (network trouble, 5xx, 408, 429, stalls).
    pub transient: bool,
    /// The server's `Retry-After`.
    pub retry_after: Option<Duration>,
    /// The partial file cannot be trusted: the next attempt starts from byte 0.
    pub restart_from_zero: bool,
}

impl Failure {
    /// A failure worth retrying.
    pub fn transient(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            error: PackError::new(kind, message),
            transient: true,
            retry_after: None,
            restart_from_zero: false,
        }
    }

    /// A failure no retry will fix.
    pub fn fatal(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            transient: false,
            ..Self::transient(kind, message)
        }
    }

    /// The same failure, with the partial file to be discarded.
    pub fn restarting(mut self) -> Self {
        self.restart_from_zero = true;
        self
    }
}

/// What to do with a successful response's body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// A 206 that starts where the partial file ends.
    Append {
        /// The byte the body starts at: the partial file's length.
        from: u64,
        /// The whole file's size, when the server said.
        total: Option<u64>,
    },
    /// A 200: the whole file, from byte 0 (the server ignored `Range`, or `If-Range` failed).
    FromStart {
        /// The whole file's size, when the server said.
        total: Option<u64>,
    },
    /// A 416 because the partial file already holds all `total` bytes.
    Complete {
        /// The whole file's size.
        total: u64,
    },
}

/// Decides what a response means for a request that asked for bytes from `from` on.
pub fn plan(
    url: &str,
    status: StatusCode,
    headers: &HeaderMap,
    from: u64,
    expected_size: Option<u64>,
) -> Result<Plan, Failure> {
    if status.is_success() {
        check_identity(url, headers)?;
    }
    let plan = match status {
        StatusCode::OK => Plan::FromStart {
            total: header_u64(headers, CONTENT_LENGTH.as_str()),
        },
        StatusCode::PARTIAL_CONTENT => {
            let range = header(headers, CONTENT_RANGE.as_str())
                .and_then(parse_content_range)
                .ok_or_else(|| {
                    Failure::transient(
                        ErrorKind::Network,
                        format!("{url}: 206 without a valid Content-Range"),
                    )
                    .restarting()
                })?;
            if range.start != from {
                return Err(Failure::transient(
                    ErrorKind::Network,
                    format!(
                        "{url}: asked for bytes from {from}, the server sent them from {}",
                        range.start
                    ),
                )
                .restarting());
            }
            Plan::Append {
                from,
                total: range.total,
            }
        }
        StatusCode::RANGE_NOT_SATISFIABLE => {
            let total = header(headers, CONTENT_RANGE.as_str())
                .and_then(|v| v.strip_prefix("bytes */"))
                .and_then(|n| n.trim().parse::<u64>().ok());
            match total {
                Some(total) if total == from && from > 0 => Plan::Complete { total },
                _ => {
                    return Err(Failure::transient(
                        ErrorKind::HttpStatus,
                        format!("{url}: 416 for bytes from {from}; starting over"),
                    )
                    .restarting());
                }
            }
        }
        status => return Err(status_failure(url, status, headers)),
    };
    if !matches!(plan, Plan::Complete { .. }) {
        check_not_html(url, headers)?;
    }
    let total = match plan {
        Plan::Append { total, .. } | Plan::FromStart { total } => total,
        Plan::Complete { total } => Some(total),
    };
    if let (Some(expected), Some(total)) = (expected_size, total)
        && expected != total
    {
        return Err(Failure::fatal(
            ErrorKind::SizeMismatch,
            format!("{url}: the server's file is {total} bytes, {expected} were expected"),
        ));
    }
    Ok(plan)
}

/// The failure an error status means: 408, 429 and 5xx are transient, other statuses final.
pub fn status_failure(url: &str, status: StatusCode, headers: &HeaderMap) -> Failure {
    let message = format!("{url}: the server answered {status}");
    let transient = status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
        || status.is_server_error();
    let mut failure = if transient {
        Failure::transient(ErrorKind::HttpStatus, message)
    } else {
        Failure::fatal(ErrorKind::HttpStatus, message)
    };
    failure.retry_after =
        header(headers, RETRY_AFTER.as_str()).and_then(|v| parse_retry_after(v, SystemTime::now()));
    failure.error.http_status = Some(status.as_u16());
    failure
}

/// An HTML page where a file was expected is an error page or a captive portal: never written.
fn check_not_html(url: &str, headers: &HeaderMap) -> Result<(), Failure> {
    let html = header(headers, CONTENT_TYPE.as_str())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/html"));
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or(url)
        .to_ascii_lowercase();
    if html && !(path.ends_with(".html") || path.ends_with(".htm")) {
        return Err(Failure::transient(
            ErrorKind::Network,
            format!("{url}: the server answered an HTML page instead of the file"),
        ));
    }
    Ok(())
}

/// A parsed `Content-Range: bytes START-END/TOTAL` (`TOTAL` may be `*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentRange {
    /// The first byte of the range.
    pub start: u64,
    /// The last byte of the range (inclusive).
    pub end: u64,
    /// The whole file's size, unless the server sent `*`.
    pub total: Option<u64>,
}

/// Parses `bytes START-END/TOTAL`; `None` for anything malformed or inconsistent.
pub fn parse_content_range(value: &str) -> Option<ContentRange> {
    let rest = value.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (start, end) = range.split_once('-')?;
    let start: u64 = start.trim().parse().ok()?;
    let end: u64 = end.trim().parse().ok()?;
    let total = match total.trim() {
        "*" => None,
        n => Some(n.parse::<u64>().ok()?),
    };
    let consistent = start <= end && total.is_none_or(|t| end < t);
    consistent.then_some(ContentRange { start, end, total })
}

/// Refuses a body the server encoded although it was asked for `identity` (`gzip`, say): its
/// bytes are not the file's, and stored as they came they would pass every check but a pinned
/// SHA-256 when their length happens to be the file's.
pub fn check_identity(url: &str, headers: &HeaderMap) -> Result<(), Failure> {
    let encoding = header(headers, CONTENT_ENCODING.as_str()).map_or("", str::trim);
    if encoding.is_empty() || encoding.eq_ignore_ascii_case("identity") {
        return Ok(());
    }
    Err(Failure::fatal(
        ErrorKind::Network,
        format!(
            "{url}: asked for the file's bytes as they are, the server sent them encoded \
             (`Content-Encoding: {encoding}`)"
        ),
    ))
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    header(headers, name).and_then(|v| v.trim().parse().ok())
}

/// A reqwest error as a failure: timeouts and connection trouble are transient.
pub(super) fn request_failure(url: &url::Url, error: &reqwest::Error) -> Failure {
    let shown = crate::model::url_shown::shown_url(url);
    let mut message = format!("{shown}: {error}");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    // reqwest names the whole URL, query and all: it shows as everywhere else.
    let message = message.replace(url.as_str(), &shown);
    if error.is_timeout() {
        Failure::transient(ErrorKind::Timeout, message)
    } else if error.is_redirect() || error.is_builder() {
        Failure::fatal(ErrorKind::DownloadInvalid, message)
    } else {
        Failure::transient(ErrorKind::Network, message)
    }
}

#[cfg(test)]
#[path = "http_tests.rs"]
mod tests;
