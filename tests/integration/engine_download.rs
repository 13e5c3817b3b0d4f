//! The engine against the project's mock server: a plain download and its events, resumes after
//! dropped connections, servers that ignore ranges or change ETags, stalls, 503 with
//! Retry-After, corruption, 404s, pause / resume / cancel, and a restart mid-download.

use std::time::{Duration, Instant};

use bgassets::engine::{DownloadState, EventKind, Targets};
use bgassets::model::ErrorKind;
use bgassets::server::Faults;

use crate::support::engine::*;
use crate::support::faults::FaultsExt;
use crate::support::wait::wait_until_async;

#[tokio::test]
async fn a_download_is_verified_and_announced_step_by_step() {
    let site = Site::start(&[("a.bin", 3_000_000)], Faults::default()).await;
    let engine = engine(&site.state_file(), limits(4, None));
    let handle = engine.handle();
    let mut events = handle.subscribe();
    handle.enqueue(site.request("a.bin")).await.unwrap();
    let download = done(&handle, "a.bin").await;
    assert_eq!(download.state, DownloadState::Finished);
    assert_eq!(download.sha256, Some(site.sha256("a.bin")));
    assert_eq!(
        std::fs::read(site.out("a.bin")).unwrap(),
        site.bytes("a.bin")
    );
    assert!(!site.out("a.bin.partial").exists());

    let mut kinds = Vec::new();
    while let Ok(event) = events.try_recv() {
        kinds.push(event.kind);
    }
    assert!(
        matches!(kinds.first(), Some(EventKind::Queued)),
        "{kinds:?}"
    );
    assert!(
        matches!(
            kinds.get(1),
            Some(EventKind::Started {
                attempt: 1,
                from_byte: 0
            })
        ),
        "{kinds:?}"
    );
    assert!(kinds.iter().any(|k| matches!(k, EventKind::Verifying)));
    assert!(
        matches!(
            kinds.last(),
            Some(EventKind::Finished {
                size: 3_000_000,
                ..
            })
        ),
        "{kinds:?}"
    );
    engine.shutdown().await;
}

#[tokio::test]
async fn dropped_connections_resume_with_range_requests() {
    let faults = Faults::default().drop_after(400_000);
    let site = Site::start(&[("a.bin", 1_000_000)], faults).await;
    let engine = engine(&site.state_file(), limits(4, None));
    let handle = engine.handle();
    handle.enqueue(site.request("a.bin")).await.unwrap();
    finished_whole(&handle, &site, "a.bin").await;
    let ranges = site.ranges("a.bin");
    assert_eq!(ranges[0], (None, 200));
    assert!(
        ranges[1..]
            .iter()
            .all(|(range, status)| range.is_some() && *status == 206),
        "{ranges:?}"
    );
    assert_eq!(
        ranges.len(),
        3,
        "400 KB per connection: three requests, {ranges:?}"
    );
    engine.shutdown().await;
}

/// Pauses `name` once some bytes are in, applies `faults`, resumes, and returns the requests.
async fn pause_then_resume_with(faults: Faults) -> (Site, Vec<(Option<String>, u16)>) {
    let site = Site::start(&[("a.bin", 2_000_000)], Faults::default().rate(4_000_000)).await;
    let engine = engine(&site.state_file(), limits(4, None));
    let handle = engine.handle();
    let mut events = handle.subscribe();
    handle.enqueue(site.request("a.bin")).await.unwrap();
    pause_past(&handle, &mut events, "a.bin", 300_000).await;
    site.server.set_faults(faults).unwrap();
    handle.resume(Targets::All).await.unwrap();
    finished_whole(&handle, &site, "a.bin").await;
    engine.shutdown().await;
    let ranges = site.ranges("a.bin");
    (site, ranges)
}

#[tokio::test]
async fn pause_keeps_the_partial_file_and_resume_continues_it() {
    let (_site, ranges) = pause_then_resume_with(Faults::default()).await;
    assert_eq!(ranges.len(), 2, "{ranges:?}");
    assert_eq!(ranges[1].1, 206, "{ranges:?}");
    assert!(
        ranges[1]
            .0
            .as_deref()
            .is_some_and(|r| r.starts_with("bytes=") && r != "bytes=0-")
    );
}

#[tokio::test]
async fn a_server_that_ignores_ranges_restarts_the_file_cleanly() {
    let (_site, ranges) = pause_then_resume_with(Faults::default().ignore_range()).await;
    assert_eq!(ranges.len(), 2, "{ranges:?}");
    assert!(
        ranges[1].0.is_some() && ranges[1].1 == 200,
        "asked for a range, got the whole file: {ranges:?}"
    );
}

#[tokio::test]
async fn a_changed_etag_restarts_the_file_cleanly() {
    let (_site, ranges) = pause_then_resume_with(Faults::default().change_etag()).await;
    assert_eq!(ranges[1].1, 200, "If-Range did not match: {ranges:?}");
}

#[tokio::test]
async fn a_stalled_download_shows_as_retrying_and_finishes_once_data_flows() {
    let faults = Faults::default().stall_after(200_000);
    let site = Site::start(&[("a.bin", 1_000_000)], faults).await;
    let engine = engine(&site.state_file(), limits(4, None));
    let handle = engine.handle();
    let mut events = handle.subscribe();
    handle.enqueue(site.request("a.bin")).await.unwrap();
    let retrying = event(&mut events, "retrying", |e| {
        matches!(e.kind, EventKind::Retrying { .. })
    })
    .await;
    let EventKind::Retrying { reason, .. } = retrying.kind else {
        unreachable!()
    };
    assert_eq!(reason.kind, ErrorKind::Timeout, "{reason:?}");
    let snapshot = handle.snapshot().await.unwrap();
    assert!(!matches!(
        snapshot.get("a.bin").unwrap().state,
        DownloadState::Failed { .. }
    ));
    site.server.set_faults(Faults::default()).unwrap();
    finished_whole(&handle, &site, "a.bin").await;
    engine.shutdown().await;
}

/// Progress goes out at most every 100 ms while bytes arrive, so the last bytes before a stall
/// were never reported: the model test saw a paused pack show 0 bytes with 12,288 on disk.
/// When a stopped attempt's worker ends, the engine reports what the partial file keeps.
#[tokio::test]
async fn a_stopped_attempt_reports_the_bytes_its_partial_file_keeps() {
    let faults = Faults::default().stall_after(200_000);
    let site = Site::start(&[("a.bin", 1_000_000)], faults).await;
    let engine = engine(&site.state_file(), limits(4, None));
    let handle = engine.handle();
    let mut events = handle.subscribe();
    handle.enqueue(site.request("a.bin")).await.unwrap();
    let partial = bgassets::store::atomic::partial_path(&site.out("a.bin"));
    let kept = |e: &bgassets::engine::Event| matches!(e.kind, EventKind::Kept { .. });
    // A failed (stalled) attempt: the report comes before the retry is announced.
    let EventKind::Kept { bytes_done } = event(&mut events, "kept after a stall", kept).await.kind
    else {
        unreachable!()
    };
    assert_eq!(bytes_done, std::fs::metadata(&partial).unwrap().len());
    assert!(bytes_done > 0 && bytes_done <= 200_000, "{bytes_done}");
    event(&mut events, "retrying", |e| {
        matches!(e.kind, EventKind::Retrying { .. })
    })
    .await;
    // A pause of the next attempt, once it runs: reported when its worker stops.
    event(&mut events, "started", |e| {
        matches!(e.kind, EventKind::Started { .. })
    })
    .await;
    assert_eq!(handle.pause(Targets::one("a.bin")).await.unwrap(), 1);
    let EventKind::Kept { bytes_done } = event(&mut events, "kept after a pause", kept).await.kind
    else {
        unreachable!()
    };
    assert_eq!(bytes_done, std::fs::metadata(&partial).unwrap().len());
    let snapshot = handle.snapshot().await.unwrap();
    assert_eq!(snapshot.get("a.bin").unwrap().bytes_done, bytes_done);
    engine.shutdown().await;
}

#[tokio::test]
async fn service_unavailable_is_retried_after_the_servers_retry_after() {
    let faults = Faults::default().fail_rate(1.0).retry_after(1);
    let site = Site::start(&[("a.bin", 10_000)], faults).await;
    let engine = engine(&site.state_file(), limits(4, None));
    let handle = engine.handle();
    let mut events = handle.subscribe();
    let started = Instant::now();
    handle.enqueue(site.request("a.bin")).await.unwrap();
    let retrying = event(&mut events, "retrying", |e| {
        matches!(e.kind, EventKind::Retrying { .. })
    })
    .await;
    let EventKind::Retrying {
        attempt,
        reason,
        delay_ms,
        ..
    } = retrying.kind
    else {
        unreachable!()
    };
    assert_eq!((attempt, reason.kind), (2, ErrorKind::HttpStatus));
    assert!(reason.message.contains("503"), "{reason:?}");
    assert!(
        delay_ms >= 1000,
        "Retry-After: 1 honoured, got {delay_ms} ms"
    );
    site.server.set_faults(Faults::default()).unwrap();
    let download = done(&handle, "a.bin").await;
    assert_eq!(download.state, DownloadState::Finished);
    assert!(started.elapsed() >= Duration::from_millis(950));
    engine.shutdown().await;
}

#[tokio::test]
async fn corrupt_bytes_are_retried_once_from_zero_then_fail_with_checksum_mismatch() {
    let site = Site::start(&[("a.bin", 500_000)], Faults::default().corrupt()).await;
    let engine = engine(&site.state_file(), limits(4, None));
    let handle = engine.handle();
    handle.enqueue(site.request("a.bin")).await.unwrap();
    let download = done(&handle, "a.bin").await;
    let DownloadState::Failed { error } = &download.state else {
        panic!("{:?}", download.state)
    };
    assert_eq!(error.kind, ErrorKind::ChecksumMismatch);
    assert!(error.message.contains("a.bin"), "{error:?}");
    assert_eq!(
        site.ranges("a.bin"),
        [(None, 200), (None, 200)],
        "one retry, from zero"
    );
    assert!(!site.out("a.bin").exists() && !site.out("a.bin.partial").exists());
    engine.shutdown().await;
}

#[tokio::test]
async fn not_found_fails_at_once_naming_the_url() {
    let site = Site::start(&[("a.bin", 10)], Faults::default()).await;
    let engine = engine(&site.state_file(), limits(4, None));
    let handle = engine.handle();
    let mut request = site.request("a.bin");
    request.url = url::Url::parse(&site.server.url_of("missing.bin")).unwrap();
    handle.enqueue(request).await.unwrap();
    let download = done(&handle, "a.bin").await;
    let DownloadState::Failed { error } = &download.state else {
        panic!("{:?}", download.state)
    };
    assert_eq!(error.kind, ErrorKind::HttpStatus);
    assert!(
        error.message.contains("missing.bin") && error.message.contains("404"),
        "{error:?}"
    );
    assert_eq!(download.attempts, 1);
    engine.shutdown().await;
}

#[tokio::test]
async fn cancel_deletes_the_partial_file_and_cancelling_twice_is_harmless() {
    let site = Site::start(&[("a.bin", 2_000_000)], Faults::default().rate(2_000_000)).await;
    let engine = engine(&site.state_file(), limits(4, None));
    let handle = engine.handle();
    let mut events = handle.subscribe();
    handle.enqueue(site.request("a.bin")).await.unwrap();
    progress_past(&mut events, "a.bin", 200_000).await;
    assert_eq!(handle.cancel(Targets::one("a.bin")).await.unwrap(), 1);
    assert_eq!(handle.cancel(Targets::one("a.bin")).await.unwrap(), 0);
    let download = done(&handle, "a.bin").await;
    assert_eq!(download.state, DownloadState::Cancelled);
    // The worker stops, then the partial file goes.
    let partial = site.out("a.bin.partial");
    wait_until_async("the partial file gone", Duration::from_secs(5), || {
        !partial.exists()
    })
    .await;
    assert_eq!(handle.forget(Targets::All).await.unwrap(), 1);
    assert!(handle.snapshot().await.unwrap().downloads.is_empty());
    engine.shutdown().await;
}

#[tokio::test]
async fn a_restarted_engine_resumes_from_the_partial_file() {
    let site = Site::start(&[("a.bin", 2_000_000)], Faults::default().rate(3_000_000)).await;
    let first = engine(&site.state_file(), limits(4, None));
    let handle = first.handle();
    let mut events = handle.subscribe();
    handle.enqueue(site.request("a.bin")).await.unwrap();
    progress_past(&mut events, "a.bin", 400_000).await;
    first.shutdown().await;
    let saved = std::fs::read_to_string(site.state_file()).unwrap();
    assert!(
        saved.contains("\"etag\""),
        "the validator is saved: {saved}"
    );
    let kept = std::fs::metadata(site.out("a.bin.partial")).unwrap().len();
    assert!(kept >= 300_000, "partial kept: {kept}");

    site.server.set_faults(Faults::default()).unwrap();
    let second = engine(&site.state_file(), limits(4, None));
    let handle = second.handle();
    finished_whole(&handle, &site, "a.bin").await;
    let ranges = site.ranges("a.bin");
    assert_eq!(ranges.last().unwrap().1, 206, "{ranges:?}");
    second.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_complete_file_a_crash_left_at_the_destination_is_verified_not_downloaded_again() {
    let site = Site::start(&[("a.bin", 800_000), ("b.bin", 800_000)], Faults::default()).await;
    std::fs::create_dir_all(site.out("a.bin").parent().unwrap()).unwrap();
    // The engine renamed the finished file into place, then died before saving its queue.
    std::fs::write(site.out("a.bin"), site.bytes("a.bin")).unwrap();
    // The same size, other bytes: proved wrong by the SHA-256 and downloaded again.
    let mut wrong = site.bytes("b.bin");
    wrong[1234] ^= 1;
    std::fs::write(site.out("b.bin"), &wrong).unwrap();

    let engine = engine(&site.state_file(), limits(2, None));
    let handle = engine.handle();
    handle.enqueue(site.request("a.bin")).await.unwrap();
    handle.enqueue(site.request("b.bin")).await.unwrap();
    for name in ["a.bin", "b.bin"] {
        let download = done(&handle, name).await;
        assert_eq!(
            download.state,
            DownloadState::Finished,
            "{name}: {download:?}"
        );
        assert_eq!(std::fs::read(site.out(name)).unwrap(), site.bytes(name));
    }
    let a = site.ranges("a.bin");
    assert_eq!(
        a,
        [(Some("bytes=800000-".into()), 416)],
        "no byte fetched again: {a:?}"
    );
    let b = site.ranges("b.bin");
    assert_eq!(
        b.last().map(|r| r.1),
        Some(200),
        "wrong bytes start over: {b:?}"
    );
    engine.shutdown().await;
}
