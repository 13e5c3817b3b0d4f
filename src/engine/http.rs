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
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn an_encoded_body_is_refused_naming_the_url() {
        let url = "http://h/pack.zip";
        for encoded in [
            headers(&[("content-encoding", "gzip"), ("content-length", "10")]),
            headers(&[
                ("content-encoding", "br"),
                ("content-range", "bytes 0-9/10"),
            ]),
        ] {
            for status in [StatusCode::OK, StatusCode::PARTIAL_CONTENT] {
                let failure = plan(url, status, &encoded, 0, Some(10)).unwrap_err();
                assert!(!failure.transient, "{failure:?}");
                assert!(failure.error.message.contains(url), "{failure:?}");
                assert!(
                    failure.error.message.contains("Content-Encoding"),
                    "{failure:?}"
                );
            }
        }
        for plain in ["identity", " Identity ", ""] {
            let ok = headers(&[("content-encoding", plain), ("content-length", "10")]);
            assert!(check_identity(url, &ok).is_ok(), "{plain:?}");
        }
        assert!(check_identity(url, &HeaderMap::new()).is_ok());
    }

    #[test]
    fn content_ranges_parse_and_reject_nonsense() {
        assert_eq!(
            parse_content_range("bytes 10-19/100"),
            Some(ContentRange {
                start: 10,
                end: 19,
                total: Some(100)
            })
        );
        assert_eq!(parse_content_range("bytes 0-9/*").unwrap().total, None);
        for bad in [
            "bytes 20-10/100",
            "bytes 0-100/100",
            "items 0-1/2",
            "bytes x-1/2",
            "bytes 0-1",
        ] {
            assert_eq!(parse_content_range(bad), None, "{bad}");
        }
    }

    #[test]
    fn responses_become_plans() {
        let ok = plan(
            "u",
            StatusCode::OK,
            &headers(&[("content-length", "100")]),
            40,
            Some(100),
        );
        assert_eq!(ok, Ok(Plan::FromStart { total: Some(100) }));
        let partial = headers(&[("content-range", "bytes 40-99/100")]);
        assert_eq!(
            plan("u", StatusCode::PARTIAL_CONTENT, &partial, 40, None),
            Ok(Plan::Append {
                from: 40,
                total: Some(100)
            })
        );
        let wrong_start = plan("u", StatusCode::PARTIAL_CONTENT, &partial, 30, None).unwrap_err();
        assert!(wrong_start.restart_from_zero && wrong_start.transient);
        let done = headers(&[("content-range", "bytes */100")]);
        assert_eq!(
            plan("u", StatusCode::RANGE_NOT_SATISFIABLE, &done, 100, None),
            Ok(Plan::Complete { total: 100 })
        );
        assert!(
            plan("u", StatusCode::RANGE_NOT_SATISFIABLE, &done, 120, None)
                .unwrap_err()
                .restart_from_zero
        );
        let other_size = plan(
            "u",
            StatusCode::OK,
            &headers(&[("content-length", "5")]),
            0,
            Some(100),
        );
        assert_eq!(other_size.unwrap_err().error.kind, ErrorKind::SizeMismatch);
    }

    #[test]
    fn statuses_split_into_transient_and_final() {
        let busy = headers(&[("retry-after", "2")]);
        let failure = plan("u", StatusCode::SERVICE_UNAVAILABLE, &busy, 0, None).unwrap_err();
        assert!(failure.transient);
        assert_eq!(failure.retry_after, Some(Duration::from_secs(2)));
        for status in [
            StatusCode::REQUEST_TIMEOUT,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::BAD_GATEWAY,
        ] {
            assert!(
                status_failure("u", status, &HeaderMap::new()).transient,
                "{status}"
            );
        }
        for status in [
            StatusCode::NOT_FOUND,
            StatusCode::FORBIDDEN,
            StatusCode::GONE,
        ] {
            let failure = status_failure("http://h/x", status, &HeaderMap::new());
            assert!(!failure.transient, "{status}");
            assert!(failure.error.message.contains("http://h/x"));
        }
    }

    #[test]
    fn html_pages_are_never_taken_for_the_file() {
        let html = headers(&[("content-type", "text/html; charset=utf-8")]);
        let failure = plan("http://h/pack.zip", StatusCode::OK, &html, 0, None).unwrap_err();
        assert!(failure.error.message.contains("HTML page"));
        assert!(plan("http://h/index.html", StatusCode::OK, &html, 0, None).is_ok());
    }
}
