//! Parsing of the request headers that pick what part of a file to send and whether to send it:
//! `Range`, `If-Range`, `If-None-Match` and `If-Modified-Since`. Pure functions over header text,
//! so every odd input is unit-tested here and none can panic.
//!
//! Only single byte ranges are honoured; a multi-range request is answered with the whole file
//! (`200`), which RFC 9110 allows. A `Range` header that does not parse is ignored, as the RFC
//! asks.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What a `Range` header asks of a file of a known length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeRequest {
    /// No usable range: send the whole file with `200`.
    Full,
    /// Send bytes `start..=end` with `206`.
    Partial {
        /// The first byte.
        start: u64,
        /// The last byte (inclusive).
        end: u64,
    },
    /// A valid range that lies outside the file: answer `416`.
    Unsatisfiable,
}

impl RangeRequest {
    /// The `Content-Range` value of a partial response: `bytes 0-99/1000`.
    pub fn content_range(start: u64, end: u64, len: u64) -> String {
        format!("bytes {start}-{end}/{len}")
    }
}

/// Interprets a `Range` header for a file of `len` bytes.
pub fn parse_range(header: &str, len: u64) -> RangeRequest {
    let Some((unit, specs)) = header.split_once('=') else {
        return RangeRequest::Full;
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") {
        return RangeRequest::Full;
    }
    let mut specs = specs
        .split(',')
        .map(str::trim)
        .filter(|spec| !spec.is_empty());
    let (Some(spec), None) = (specs.next(), specs.next()) else {
        // No range at all, or several: answer with the whole file.
        return RangeRequest::Full;
    };
    let Some((first, last)) = spec.split_once('-') else {
        return RangeRequest::Full;
    };
    let (first, last) = (first.trim(), last.trim());
    match (first.is_empty(), last.is_empty()) {
        // `-n`: the last n bytes.
        (true, false) => match parse_number(last) {
            None => RangeRequest::Full,
            Some(0) => RangeRequest::Unsatisfiable,
            Some(_) if len == 0 => RangeRequest::Unsatisfiable,
            Some(suffix) => RangeRequest::Partial {
                start: len.saturating_sub(suffix),
                end: len - 1,
            },
        },
        // `a-`: from a to the end.
        (false, true) => match parse_number(first) {
            None => RangeRequest::Full,
            Some(start) if start >= len => RangeRequest::Unsatisfiable,
            Some(start) => RangeRequest::Partial {
                start,
                end: len - 1,
            },
        },
        // `a-b`: both ends included; b past the end is clipped.
        (false, false) => match (parse_number(first), parse_number(last)) {
            (Some(start), Some(end)) if end >= start => {
                if start >= len {
                    RangeRequest::Unsatisfiable
                } else {
                    RangeRequest::Partial {
                        start,
                        end: end.min(len - 1),
                    }
                }
            }
            _ => RangeRequest::Full,
        },
        (true, true) => RangeRequest::Full,
    }
}

/// Digits only; numbers too large for `u64` saturate (they are past any file's end anyway).
fn parse_number(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    Some(text.bytes().fold(0u64, |value, digit| {
        value
            .saturating_mul(10)
            .saturating_add(u64::from(digit - b'0'))
    }))
}

/// Whether an `If-Range` validator still describes the file: an exact strong `ETag` match, or
/// an HTTP date equal to its `Last-Modified`. Weak tags and garbage never match.
pub fn if_range_matches(header: &str, etag: &str, modified: SystemTime) -> bool {
    let header = header.trim();
    if header.starts_with('"') {
        return header == etag;
    }
    match httpdate::parse_http_date(header) {
        Ok(date) => date == truncate_to_seconds(modified),
        Err(_) => false,
    }
}

/// Whether `If-None-Match` matches the current `etag` (weak comparison: `W/` is ignored),
/// including `*`, which matches any existing file.
pub fn if_none_match_matches(header: &str, etag: &str) -> bool {
    let ours = strip_weak(etag);
    header
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || (!tag.is_empty() && strip_weak(tag) == ours))
}

/// Whether the file is unmodified since an `If-Modified-Since` date (second precision).
pub fn not_modified_since(header: &str, modified: SystemTime) -> bool {
    match httpdate::parse_http_date(header.trim()) {
        Ok(date) => truncate_to_seconds(modified) <= date,
        Err(_) => false,
    }
}

fn strip_weak(tag: &str) -> &str {
    tag.strip_prefix("W/").unwrap_or(tag)
}

/// HTTP dates have whole seconds; compare file times at that precision.
pub fn truncate_to_seconds(time: SystemTime) -> SystemTime {
    match time.duration_since(UNIX_EPOCH) {
        Ok(since) => UNIX_EPOCH + Duration::from_secs(since.as_secs()),
        Err(_) => UNIX_EPOCH,
    }
}

#[cfg(test)]
mod tests {
    use super::RangeRequest::{Full, Partial, Unsatisfiable};
    use super::*;

    #[test]
    fn single_ranges_in_every_form() {
        assert_eq!(
            parse_range("bytes=0-99", 1000),
            Partial { start: 0, end: 99 }
        );
        assert_eq!(
            parse_range("bytes=500-", 1000),
            Partial {
                start: 500,
                end: 999
            }
        );
        assert_eq!(
            parse_range("bytes=-100", 1000),
            Partial {
                start: 900,
                end: 999
            }
        );
        assert_eq!(
            parse_range("bytes=-5000", 1000),
            Partial { start: 0, end: 999 }
        );
        assert_eq!(
            parse_range("bytes=990-2000", 1000),
            Partial {
                start: 990,
                end: 999
            }
        );
        assert_eq!(parse_range("Bytes = 1-1", 10), Partial { start: 1, end: 1 });
        assert_eq!(parse_range("bytes=5-5,", 10), Partial { start: 5, end: 5 });
    }

    #[test]
    fn unsatisfiable_ranges() {
        assert_eq!(parse_range("bytes=1000-", 1000), Unsatisfiable);
        assert_eq!(parse_range("bytes=1000-1001", 1000), Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 1000), Unsatisfiable);
        assert_eq!(parse_range("bytes=0-", 0), Unsatisfiable);
        assert_eq!(parse_range("bytes=-1", 0), Unsatisfiable);
        assert_eq!(
            parse_range("bytes=99999999999999999999999999-", 1000),
            Unsatisfiable
        );
    }

    #[test]
    fn malformed_or_multiple_ranges_mean_the_whole_file() {
        for header in [
            "",
            "bytes",
            "bytes=",
            "bytes=-",
            "bytes=a-b",
            "bytes=5-1",
            "bytes=0-1,5-6",
            "items=0-1",
            "bytes=--1",
            "bytes=1-2-3",
            "bytes=+1-2",
            "bytes=0x10-",
            "bytes=١-٢",
        ] {
            assert_eq!(parse_range(header, 1000), Full, "{header:?}");
        }
        assert_eq!(
            parse_range("bytes=0-99999999999999999999999999", 1000),
            Partial { start: 0, end: 999 }
        );
    }

    #[test]
    fn validators() {
        let modified = UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
        let date = httpdate::fmt_http_date(modified);
        assert!(if_range_matches("\"abc\"", "\"abc\"", modified));
        assert!(!if_range_matches("\"abd\"", "\"abc\"", modified));
        assert!(!if_range_matches("W/\"abc\"", "\"abc\"", modified));
        assert!(if_range_matches(&date, "\"abc\"", modified));
        assert!(!if_range_matches(
            "Mon, 01 Jan 2001 00:00:00 GMT",
            "\"abc\"",
            modified
        ));
        assert!(!if_range_matches("garbage", "\"abc\"", modified));
        assert!(if_none_match_matches("*", "\"abc\""));
        assert!(if_none_match_matches("\"x\", W/\"abc\"", "\"abc\""));
        assert!(!if_none_match_matches("\"x\", \"y\"", "\"abc\""));
        assert!(!if_none_match_matches("", "\"abc\""));
        assert!(not_modified_since(&date, modified));
        assert!(!not_modified_since(
            "Mon, 01 Jan 2001 00:00:00 GMT",
            modified
        ));
        assert!(!not_modified_since("yesterday", modified));
    }
}
