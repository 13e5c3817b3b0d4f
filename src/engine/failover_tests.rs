use std::time::Duration;

use super::*;
use crate::model::Sha256Digest;

fn request(mirrors: usize) -> DownloadRequest {
    let mut request = DownloadRequest::new(
        "a/p@1",
        Url::parse("https://cdn.example/p.zip").unwrap(),
        "/d/p@1.zip",
    );
    request.sha256 = Some(Sha256Digest::of(b"pack"));
    request.mirrors = (0..mirrors)
        .map(|i| Url::parse(&format!("https://m{i}.example/p.zip")).unwrap())
        .collect();
    request
}

/// Every attempt of `request` fails like `failure` after `takes`, bringing no new bytes:
/// how many attempts are made before the download fails (`None`: still retrying after 1000).
fn attempts_until_failed(
    request: &DownloadRequest,
    takes: Duration,
    integrity: bool,
) -> Option<u32> {
    let (mut stats, mut now) = (origins::Stats::default(), Instant::now());
    let (mut origin, mut budget, mut checksum_failures) = (0, Budget::default(), 0u32);
    for attempt in 1..=1000 {
        now += takes;
        let moved = move_after(request, origin, &mut stats, now);
        if let Some((to, _)) = moved {
            origin = to;
        }
        if integrity {
            checksum_failures += 1;
            budget = Budget::default();
        } else {
            budget = budget.count(0);
        }
        let failed = Failed {
            integrity,
            transient: true,
            fresh_origin: moved.is_some_and(|(_, fresh)| fresh),
            origins: origins::count(request),
        };
        if !may_retry(failed, checksum_failures, budget, 8) {
            return Some(attempt);
        }
    }
    None
}

#[test]
fn origins_that_all_fail_slowly_end_in_failure_rather_than_rotating_forever() {
    // Each attempt takes longer than an origin is remembered as failed, so the next one always
    // looks fresh: the moves must still be counted.
    let slow = origins::FAILED_FOR + Duration::from_secs(1);
    let integrity = attempts_until_failed(&request(1), slow, true);
    assert!(
        integrity.is_some_and(|n| n <= 3),
        "two origins whose bytes never match the digest: {integrity:?} attempts"
    );
    let stalls = attempts_until_failed(&request(16), Duration::from_secs(30), false);
    assert!(
        stalls.is_some_and(|n| n <= 8 + 17 + 1),
        "17 origins that stall: {stalls:?} attempts"
    );
}

#[test]
fn every_origin_gets_its_chance_before_the_download_fails() {
    let request = request(3);
    let quick = Duration::from_secs(1);
    assert_eq!(
        attempts_until_failed(&request, quick, true),
        Some(4),
        "one full download per origin"
    );
    let transient = attempts_until_failed(&request, quick, false);
    assert!(
        transient.is_some_and(|n| n >= 8),
        "the budget and the moves: {transient:?}"
    );
}
