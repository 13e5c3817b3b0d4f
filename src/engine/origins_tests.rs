use super::*;
use crate::model::{Header, Sha256Digest};

fn request(mirrors: &[&str]) -> DownloadRequest {
    let mut request = DownloadRequest::new(
        "a/p@1",
        Url::parse("https://cdn.example/p.zip").unwrap(),
        "/d/p@1.zip",
    );
    request.sha256 = Some(Sha256Digest::of(b"pack"));
    request.mirrors = mirrors.iter().map(|m| Url::parse(m).unwrap()).collect();
    request
}

const B: &str = "https://b.example/p.zip";
const C: &str = "https://c.example/p.zip?X-Amz-Signature=abc";

#[test]
fn with_nothing_measured_origins_are_tried_in_the_listed_order() {
    let request = request(&[B, C]);
    assert_eq!(
        order(&request, &Stats::default(), Instant::now()),
        [0, 1, 2]
    );
    assert_eq!(url(&request, 2).as_str(), C, "a presigned query is kept");
    assert_eq!(url(&request, 9), &request.url, "past the end: the URL");
}

#[test]
fn the_fastest_measured_origin_comes_first_and_unmeasured_ones_after_measured_ones() {
    let request = request(&[B, C]);
    let mut stats = Stats::default();
    stats.measured(&request.url, 10 << 20, Duration::from_secs(10)); // 1 MiB/s
    stats.measured(url(&request, 2), 40 << 20, Duration::from_secs(10)); // 4 MiB/s
    assert_eq!(order(&request, &stats, Instant::now()), [2, 0, 1]);
    // A few kilobytes measure latency, not speed: not taken.
    stats.measured(url(&request, 1), 4096, Duration::from_millis(1));
    assert_eq!(stats.of(url(&request, 1)).bytes_per_second, None);
}

#[test]
fn new_measures_weigh_half_of_the_average() {
    let request = request(&[]);
    let mut stats = Stats::default();
    stats.measured(&request.url, 4 << 20, Duration::from_secs(1));
    stats.measured(&request.url, 2 << 20, Duration::from_secs(1));
    assert_eq!(stats.of(&request.url).bytes_per_second, Some(3 << 20));
}

#[test]
fn an_origin_that_failed_goes_last_until_it_has_rested() {
    let request = request(&[B, C]);
    let mut stats = Stats::default();
    let now = Instant::now();
    stats.measured(&request.url, 40 << 20, Duration::from_secs(1));
    stats.failed(&request.url, now);
    assert_eq!(order(&request, &stats, now), [1, 2, 0]);
    assert_eq!(next(&request, 0, &stats, now), Some(1));
    // Every origin failed: the one that failed longest ago is tried first.
    stats.failed(url(&request, 1), now + Duration::from_secs(1));
    stats.failed(url(&request, 2), now + Duration::from_secs(2));
    let later = now + Duration::from_secs(3);
    assert_eq!(order(&request, &stats, later), [0, 1, 2]);
    assert_eq!(next(&request, 2, &stats, later), Some(0));
    // Rested: the fastest again.
    let rested = now + FAILED_FOR + Duration::from_secs(1);
    assert_eq!(order(&request, &stats, rested)[0], 0);
}

#[test]
fn a_download_with_one_origin_has_nowhere_to_go() {
    let request = request(&[]);
    let mut stats = Stats::default();
    stats.failed(&request.url, Instant::now());
    assert_eq!(next(&request, 0, &stats, Instant::now()), None);
    // A mirror that is the URL again is not another origin.
    let same = self::request(&["https://cdn.example/p.zip"]);
    assert_eq!(next(&same, 0, &stats, Instant::now()), None);
}

#[test]
fn the_app_s_headers_go_to_its_own_origin_only() {
    let mut request = request(&[B]);
    request.headers = vec![Header::new("Authorization", "Bearer t").unwrap()];
    let primary = request_for(&request, 0);
    assert_eq!(primary.headers.len(), 1);
    assert!(primary.mirrors.is_empty());
    let mirror = request_for(&request, 1);
    assert_eq!(mirror.url.as_str(), B);
    assert!(
        mirror.headers.is_empty(),
        "a mirror never gets the app's token"
    );
}

#[test]
fn only_failures_about_the_origin_fail_over() {
    let failure = |kind| Failure::transient(kind, "x");
    for kind in [
        ErrorKind::HttpStatus,
        ErrorKind::Network,
        ErrorKind::Timeout,
        ErrorKind::SessionDownloadDisallowedByDomain,
        ErrorKind::ChecksumMismatch,
    ] {
        assert!(may_fail_over(&failure(kind)), "{kind:?}");
    }
    for kind in [
        ErrorKind::DiskFull,
        ErrorKind::Io,
        ErrorKind::Cancelled,
        ErrorKind::SessionDownloadAllowanceExceeded,
    ] {
        assert!(!may_fail_over(&failure(kind)), "{kind:?}");
    }
}

#[test]
fn a_failure_is_the_url_s_and_a_speed_is_the_server_s() {
    // Two presigned URLs of one object on one host: the expired one's 403 says nothing of
    // the fresh one, but both share the host's measured speed.
    let request = request(&["https://cdn.example/p.zip?X-Amz-Signature=fresh"]);
    let mut stats = Stats::default();
    let now = Instant::now();
    stats.measured(&request.url, 1 << 20, Duration::from_secs(1));
    stats.failed(&request.url, now);
    let fresh = stats.of(url(&request, 1));
    assert!(!failed_recently(&fresh, now));
    assert_eq!(fresh.bytes_per_second, Some(1 << 20));
    assert_eq!(next(&request, 0, &stats, now), Some(1));
}
