//! Reading a server's answer to one segment's range request: a `206` whose `Content-Range` is
//! exactly the bytes asked for of a file of the known size, or a `200` (the origin ignores
//! `Range`, or the file changed and `If-Range` failed). Pure.

use reqwest::StatusCode;
use reqwest::header::{CONTENT_RANGE, HeaderMap};

use crate::engine::http::{Failure, check_identity, parse_content_range, status_failure};
use crate::model::ErrorKind;

/// What a segment's answer means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// The bytes asked for follow.
    Range,
    /// The whole file follows, not the range.
    Whole,
}

/// Checks the answer to a request for bytes `[from, to)` of a `total`-byte file at `url`.
pub fn check(
    url: &str,
    status: StatusCode,
    headers: &HeaderMap,
    (from, to): (u64, u64),
    total: u64,
) -> Result<Answer, Failure> {
    if status.is_success() {
        check_identity(url, headers)?;
    }
    match status {
        StatusCode::OK => return Ok(Answer::Whole),
        StatusCode::PARTIAL_CONTENT => {}
        status => return Err(status_failure(url, status, headers)),
    }
    let last = to.saturating_sub(1);
    let text = headers
        .get(CONTENT_RANGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some(range) = parse_content_range(text) else {
        return Err(Failure::transient(
            ErrorKind::Network,
            format!(
                "{url}: asked for bytes {from}-{last}, got a 206 without a valid Content-Range (`{text}`)"
            ),
        ));
    };
    if range.total != Some(total) {
        return Err(Failure::transient(
            ErrorKind::Network,
            format!(
                "{url}: the file was {total} bytes, the server now says `{text}`: it changed; starting over"
            ),
        )
        .restarting());
    }
    if (range.start, range.end) != (from, last) {
        return Err(Failure::transient(
            ErrorKind::Network,
            format!("{url}: asked for bytes {from}-{last}, the server sent `{text}`"),
        ));
    }
    Ok(Answer::Range)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn range(value: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(CONTENT_RANGE, HeaderValue::from_str(value).unwrap());
        map
    }

    #[test]
    fn only_the_exact_range_asked_for_is_taken() {
        let url = "http://h/pack.zip";
        let ok = check(
            url,
            StatusCode::PARTIAL_CONTENT,
            &range("bytes 10-19/100"),
            (10, 20),
            100,
        );
        assert_eq!(ok, Ok(Answer::Range));
        for (value, from) in [
            ("bytes 11-19/100", 10),
            ("bytes 10-29/100", 10),
            ("junk", 10),
        ] {
            let failure = check(
                url,
                StatusCode::PARTIAL_CONTENT,
                &range(value),
                (from, 20),
                100,
            )
            .unwrap_err();
            assert!(failure.error.message.contains(url), "{failure:?}");
            assert!(
                failure.transient && !failure.restart_from_zero,
                "{failure:?}"
            );
        }
        let other_size = check(
            url,
            StatusCode::PARTIAL_CONTENT,
            &range("bytes 10-19/99"),
            (10, 20),
            100,
        );
        assert!(other_size.unwrap_err().restart_from_zero);
    }

    #[test]
    fn a_whole_file_and_error_statuses_are_told_apart() {
        let none = HeaderMap::new();
        assert_eq!(
            check("u", StatusCode::OK, &none, (10, 20), 100),
            Ok(Answer::Whole)
        );
        let gone = check("u", StatusCode::NOT_FOUND, &none, (10, 20), 100).unwrap_err();
        assert!(!gone.transient);
        assert!(
            check("u", StatusCode::BAD_GATEWAY, &none, (10, 20), 100)
                .unwrap_err()
                .transient
        );
    }

    #[test]
    fn an_encoded_segment_is_refused_naming_the_url() {
        let mut headers = range("bytes 0-9/100");
        headers.insert("content-encoding", HeaderValue::from_static("gzip"));
        let failure = check(
            "http://h/p.zip",
            StatusCode::PARTIAL_CONTENT,
            &headers,
            (0, 10),
            100,
        )
        .unwrap_err();
        assert!(!failure.transient, "{failure:?}");
        assert!(
            failure.error.message.contains("http://h/p.zip"),
            "{failure:?}"
        );
    }
}
