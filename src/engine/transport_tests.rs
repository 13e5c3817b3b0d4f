//! Tests of the transport checks (hops, the allow list, body limits, headers per host).

use super::*;
use crate::model::DomainPattern;

fn request(url: &str) -> DownloadRequest {
    DownloadRequest::new("r", Url::parse(url).unwrap(), "/tmp/out")
}

fn url(text: &str) -> Url {
    Url::parse(text).unwrap()
}

#[test]
fn an_apps_headers_go_to_its_own_origin_only() {
    let mut request = request("https://cdn.example.com/a/file");
    request.headers = vec![crate::model::Header::new("Authorization", "Bearer t").unwrap()];
    assert_eq!(
        headers_for(&request, &url("https://cdn.example.com/b")).len(),
        1
    );
    for elsewhere in [
        "https://other.example.com/a/file",
        "http://cdn.example.com/a/file",
        "https://cdn.example.com:8443/a/file",
    ] {
        assert!(
            headers_for(&request, &url(elsewhere)).is_empty(),
            "{elsewhere}"
        );
    }
}

#[test]
fn plain_http_is_only_for_loopback_and_allowed_hosts() {
    let none: &[String] = &[];
    assert!(insecure_allowed(&url("http://127.0.0.1:8/x"), none));
    assert!(insecure_allowed(&url("http://[::1]:8/x"), none));
    assert!(insecure_allowed(&url("http://LocalHost/x"), none));
    assert!(!insecure_allowed(&url("http://cdn.example.com/x"), none));
    let allowed = ["cdn.example.com".to_string(), "10.0.0.2".to_string()];
    assert!(insecure_allowed(&url("http://CDN.example.com/x"), &allowed));
    assert!(insecure_allowed(&url("http://10.0.0.2/x"), &allowed));
    assert!(!insecure_allowed(
        &url("http://evil.example.com/x"),
        &allowed
    ));
}

#[test]
fn a_redirect_from_https_to_plain_http_elsewhere_is_refused_naming_both_urls() {
    let start = url("https://cdn.example.com/pack.zip");
    let hop = url("http://mirror.example.net/pack.zip");
    let failure = check_hop(&request(start.as_str()), Some(&start), &hop, &[]).unwrap_err();
    assert_eq!(failure.error.kind, ErrorKind::HostNotAllowed);
    assert!(!failure.transient);
    let message = &failure.error.message;
    assert!(message.contains(start.as_str()), "{message}");
    assert!(message.contains(hop.as_str()), "{message}");
    assert!(
        message.contains("HTTPS is required on every hop"),
        "{message}"
    );
    // The same hop is fine once its host is allowed explicitly, and HTTPS always is.
    let allowed = ["mirror.example.net".to_string()];
    assert!(check_hop(&request(start.as_str()), Some(&start), &hop, &allowed).is_ok());
    let secure = url("https://mirror.example.net/pack.zip");
    assert!(check_hop(&request(start.as_str()), Some(&start), &secure, &[]).is_ok());
}

#[test]
fn every_hop_stays_in_the_allow_list() {
    let mut request = request("https://cdn.example.com/p.zip");
    request.allowed_hosts = vec![DomainPattern::parse("*.example.com").unwrap()];
    let inside = url("https://a.cdn.example.com/p.zip");
    assert!(check_hop(&request, Some(&request.url.clone()), &inside, &[]).is_ok());
    let outside = url("https://elsewhere.net/p.zip");
    let failure = check_hop(&request, Some(&inside), &outside, &[]).unwrap_err();
    assert_eq!(
        failure.error.kind,
        ErrorKind::SessionDownloadDisallowedByDomain
    );
    assert!(failure.error.message.contains("a.cdn.example.com"));
}

#[test]
fn an_allowance_caps_a_download_of_unknown_size_below_the_engine_s_cap() {
    let cap = Cap::of(Some(1000), 1 << 30);
    assert_eq!(
        cap,
        Cap {
            bytes: 1000,
            allowance: true
        }
    );
    let refused = check_unsized("u", Some(1001), cap).unwrap_err();
    assert_eq!(
        refused.error.kind,
        ErrorKind::SessionDownloadAllowanceExceeded
    );
    assert!(check_unsized("u", Some(1000), cap).is_ok());
    assert_eq!(Cap::of(Some(u64::MAX), 1 << 30).bytes, 1 << 30);
    let engine = check_unsized("u", Some(2 << 30), Cap::of(None, 1 << 30)).unwrap_err();
    assert_eq!(engine.error.kind, ErrorKind::SizeMismatch);
}

#[test]
fn the_body_limit_is_the_declared_size_then_the_announced_then_the_cap() {
    assert_eq!(body_limit(Some(10), Some(99), 1000), 10);
    assert_eq!(body_limit(None, Some(99), 1000), 99);
    assert_eq!(body_limit(None, None, 1000), 1000);
}

#[test]
fn a_chunk_is_cut_at_the_first_byte_beyond_the_limit() {
    assert_eq!(take(0, 10, 10), Ok(10));
    assert_eq!(take(5, 10, 10), Err(5));
    assert_eq!(take(10, 1, 10), Err(0));
    assert_eq!(take(12, 1, 10), Err(0)); // already past: nothing more
    assert_eq!(take(u64::MAX - 1, usize::MAX, u64::MAX), Err(1));
    let failure = too_long("https://h/p.zip", 10, Some(10));
    assert_eq!(failure.error.kind, ErrorKind::SizeMismatch);
    assert!(failure.restart_from_zero && !failure.transient);
    assert!(
        failure
            .error
            .message
            .contains("more than the 10 bytes declared")
    );
}
