//! The transport, as issue 11 asks it: a body is never written past the size it may have
//! (declared, announced, or the engine's cap), every hop of a download is HTTPS (loopback
//! excepted), a download that keeps making progress is never failed for lack of attempts, and
//! a download whose bytes moved to another URL continues there from its partial file.
//! Servers that lie are small raw servers (`support::liar`); the rest is the mock server.

use bgassets::engine::{DownloadRequest, DownloadState, Engine, EngineConfig, EventKind};
use bgassets::model::{ErrorKind, Sha256Digest};
use bgassets::server::Faults;

use crate::support::engine::*;
use crate::support::faults::FaultsExt;
use crate::support::liar::{Answer, Liar};

/// An engine with quick retries and no saved queue, set up by `change`.
fn engine_with(change: impl FnOnce(&mut EngineConfig)) -> Engine {
    let mut config = EngineConfig {
        retry: quick_retry(),
        ..EngineConfig::default()
    };
    change(&mut config);
    Engine::start(config).unwrap()
}

fn request_to(url: &str, out: &std::path::Path) -> DownloadRequest {
    DownloadRequest::new("liar", url::Url::parse(url).unwrap(), out.join("pack.zip"))
}

fn failure(download: &bgassets::engine::Download) -> &bgassets::model::PackError {
    match &download.state {
        DownloadState::Failed { error } => error,
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[tokio::test]
async fn a_chunked_body_is_cut_at_the_declared_size() {
    const DECLARED: usize = 300_000;
    let body = random_bytes(2 * DECLARED, 7);
    let liar = Liar::always(Answer::chunked(body.clone())).await;
    let out = tempfile::tempdir().unwrap();
    let engine = engine_with(|_| {});
    let handle = engine.handle();
    let mut request = request_to(&liar.url_of("pack.zip"), out.path());
    request.expected_size = Some(DECLARED as u64);
    request.sha256 = Some(Sha256Digest::of(&body[..DECLARED]));
    handle.enqueue(request.clone()).await.unwrap();
    let download = done(&handle, "liar").await;
    let error = failure(&download);
    assert_eq!(error.kind, ErrorKind::SizeMismatch, "{error:?}");
    assert!(
        error.message.contains(&liar.url_of("pack.zip"))
            && error
                .message
                .contains(&format!("more than the {DECLARED} bytes declared")),
        "{error:?}"
    );
    // The sink never received a byte beyond the declared size: the partial file holds exactly
    // the first DECLARED bytes, although twice as many were sent.
    let partial = std::fs::read(request.partial_path()).unwrap();
    assert_eq!(partial.len(), DECLARED);
    assert!(partial == body[..DECLARED]);
    assert!(!request.destination.exists());
    assert_eq!(
        liar.seen().len(),
        2,
        "one fresh start, then failed for good"
    );
    engine.shutdown().await;
}

#[tokio::test]
async fn an_endless_body_of_unknown_size_stops_at_the_engine_cap() {
    const CAP: u64 = 1 << 20;
    let liar = Liar::always(Answer::endless_chunks()).await;
    let out = tempfile::tempdir().unwrap();
    let engine = engine_with(|config| config.max_body = Some(CAP));
    let handle = engine.handle();
    let request = request_to(&liar.url_of("pack.zip"), out.path());
    handle.enqueue(request.clone()).await.unwrap();
    let download = done(&handle, "liar").await;
    let error = failure(&download);
    assert_eq!(error.kind, ErrorKind::SizeMismatch, "{error:?}");
    assert!(
        error
            .message
            .contains(&format!("more than the {CAP} bytes")),
        "{error:?}"
    );
    let partial = std::fs::metadata(request.partial_path()).unwrap().len();
    assert_eq!(partial, CAP, "cut at the cap");
    engine.shutdown().await;
}

#[tokio::test]
async fn a_body_announced_past_the_engine_cap_is_refused_before_a_byte() {
    let site = Site::start(&[("a.bin", 300_000)], Faults::default()).await;
    let engine = engine_with(|config| config.max_body = Some(100_000));
    let handle = engine.handle();
    let url = url::Url::parse(&site.server.url_of("a.bin")).unwrap();
    let request = DownloadRequest::new("a.bin", url, site.out("a.bin"));
    handle.enqueue(request.clone()).await.unwrap();
    let download = done(&handle, "a.bin").await;
    let error = failure(&download);
    assert_eq!(error.kind, ErrorKind::SizeMismatch, "{error:?}");
    assert!(
        error.message.contains("announces 300000 bytes")
            && error.message.contains("cap of 100000 bytes"),
        "{error:?}"
    );
    let written = std::fs::metadata(request.partial_path()).map_or(0, |m| m.len());
    assert_eq!(written, 0);
    assert_eq!(
        site.ranges("a.bin").len(),
        1,
        "refused at once, not retried"
    );
    engine.shutdown().await;
}

#[tokio::test]
async fn an_https_download_redirected_to_plain_http_elsewhere_is_refused_naming_both_urls() {
    // `.invalid` never resolves, and the refusal comes before any connection to it.
    let downgrade = "http://downgrade.invalid/pack.zip";
    let liar = Liar::always_tls(Answer::redirect(downgrade)).await;
    let out = tempfile::tempdir().unwrap();
    let cert = liar.cert();
    let engine = engine_with(|config| config.extra_root_certificates = vec![cert]);
    let handle = engine.handle();
    let request = request_to(&liar.url_of("pack.zip"), out.path());
    assert!(liar.url_of("pack.zip").starts_with("https://"));
    handle.enqueue(request.clone()).await.unwrap();
    let download = done(&handle, "liar").await;
    let error = failure(&download);
    assert_eq!(error.kind, ErrorKind::HostNotAllowed, "{error:?}");
    assert!(
        error.message.contains(&liar.url_of("pack.zip")) && error.message.contains(downgrade),
        "names both URLs: {error:?}"
    );
    assert!(error.message.contains("HTTPS is required on every hop"));
    assert_eq!(download.attempts, 1, "a policy refusal is not retried");
    assert_eq!(liar.seen().len(), 1);
    assert!(!request.partial_path().exists() && !request.destination.exists());
    engine.shutdown().await;
}

#[tokio::test]
async fn a_download_that_drops_every_100_kb_completes_past_the_attempt_budget() {
    // Twenty connections for one file, with a budget of four: each brought new bytes.
    let faults = Faults::default().drop_after(100_000);
    let site = Site::start(&[("a.bin", 2_000_000)], faults).await;
    let engine = engine(&site.state_file(), limits(1, None));
    let handle = engine.handle();
    let mut events = handle.subscribe();
    handle.enqueue(site.request("a.bin")).await.unwrap();
    finished_whole(&handle, &site, "a.bin").await;
    assert_eq!(site.ranges("a.bin").len(), 20);
    let mut retries = Vec::new();
    while let Ok(event) = events.try_recv() {
        if let EventKind::Retrying {
            delay_ms,
            without_progress,
            ..
        } = event.kind
        {
            retries.push((without_progress, delay_ms));
        }
    }
    assert_eq!(retries.len(), 19, "{retries:?}");
    // Never counted against the budget, and the backoff starts over after each bit of progress
    // (the base delay is 50 ms, ±20% jitter).
    assert!(
        retries
            .iter()
            .all(|&(without, delay)| without == 0 && delay <= 60),
        "{retries:?}"
    );
    engine.shutdown().await;
}

#[tokio::test]
async fn attempts_without_progress_still_fail_after_the_budget() {
    let faults = Faults::default().drop_after(0);
    let site = Site::start(&[("a.bin", 200_000)], faults).await;
    let engine = engine(&site.state_file(), limits(1, None));
    let handle = engine.handle();
    let mut events = handle.subscribe();
    handle.enqueue(site.request("a.bin")).await.unwrap();
    let download = done(&handle, "a.bin").await;
    failure(&download);
    assert_eq!(download.attempts, quick_retry().max_attempts);
    let mut counts = Vec::new();
    while let Ok(event) = events.try_recv() {
        if let EventKind::Retrying {
            without_progress, ..
        } = event.kind
        {
            counts.push(without_progress);
        }
    }
    assert_eq!(counts, [1, 2, 3]);
    engine.shutdown().await;
}

#[tokio::test]
async fn a_stall_is_shown_as_retrying_with_its_reason_never_as_failed() {
    // Every response sends 200 KB, then stalls: five stalls for one file, over a budget of four.
    let faults = Faults::default().stall_after(200_000);
    let site = Site::start(&[("a.bin", 1_000_000)], faults).await;
    let engine = engine(&site.state_file(), limits(1, None));
    let handle = engine.handle();
    let mut events = handle.subscribe();
    handle.enqueue(site.request("a.bin")).await.unwrap();
    let retrying = event(&mut events, "a retry", |e| {
        matches!(e.kind, EventKind::Retrying { .. })
    })
    .await;
    let EventKind::Retrying {
        attempt,
        reason,
        delay_ms,
        without_progress,
    } = retrying.kind
    else {
        unreachable!()
    };
    assert_eq!((attempt, without_progress), (2, 0));
    assert_eq!(reason.kind, ErrorKind::Timeout);
    let state = DownloadState::Retrying {
        attempt,
        reason,
        delay_ms,
        without_progress,
    };
    let shown = state.describe();
    assert!(
        shown.contains("stalled: no bytes for 0.5 s after 200000 bytes; retrying in")
            && shown.contains("the last attempt brought new bytes"),
        "{shown}"
    );
    assert_eq!(state.apple_state(), "waiting");
    let download = done(&handle, "a.bin").await;
    assert_eq!(
        download.state,
        DownloadState::Finished,
        "{:?}",
        download.last_error
    );
    assert_eq!(download.attempts, 5);
    engine.shutdown().await;
}
