//! Tests of reading an HTTP answer: `http::plan`, status failures, `Content-Range`, HTML
//! pages and encoded bodies refused.

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
