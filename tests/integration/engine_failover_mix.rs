//! Mirrors that serve different bytes of the same size (issue 16 review): the pinned SHA-256
//! catches a partial file mixed from two origins, the download starts over from byte 0 on
//! another origin, and it ends (finished from the right one, or failed saying why) instead of
//! looping; nothing unverified is installed. A segmented download whose origin (nginx capping
//! each connection) dies fetches only its holes from the mirror.

use bgassets::engine::DownloadState;
use bgassets::model::ErrorKind;
use bgassets::server::Faults;

use crate::support::engine::{self, Site, random_bytes};
use crate::support::faults::FaultsExt;
use crate::support::nginx::Nginx;

const SIZE: usize = 2_000_000;

/// A site serving `a.bin`, its bytes replaced by other random bytes of the same size.
async fn wrong_bytes(faults: Faults) -> Site {
    let site = Site::start(&[("a.bin", SIZE)], faults).await;
    std::fs::write(site.root().join("a.bin"), random_bytes(SIZE, 99)).unwrap();
    site
}

#[tokio::test]
async fn a_partial_mixed_from_two_origins_fails_its_digest_and_ends_failed_with_nothing_installed()
{
    // The right bytes until the primary dies, then the mirror's other bytes.
    let primary = Site::start(&[("a.bin", SIZE)], Faults::default().rate(1_000_000)).await;
    let mirror = wrong_bytes(Faults::default()).await;
    let engine_ = engine::engine(&primary.state_file(), engine::limits(1, None));
    let handle = engine_.handle();
    let mut events = handle.subscribe();
    let request = primary.mirrored("a.bin", &[&mirror]);
    handle.enqueue(request).await.unwrap();
    engine::progress_past(&mut events, "a.bin", 400_000).await;
    let out = primary.out("a.bin");
    let Site { server, dir: _kept } = primary;
    server.shutdown().await;

    let download = engine::done(&handle, "a.bin").await;
    let DownloadState::Failed { error } = &download.state else {
        panic!(
            "a digest no origin matches ends failed: {:?}",
            download.state
        );
    };
    assert_eq!(error.kind, ErrorKind::ChecksumMismatch, "{error:?}");
    assert!(!out.exists(), "nothing unverified is installed");
    assert!(
        download.attempts <= 6,
        "a few attempts, not a loop: {}",
        download.attempts
    );
    // The mirror was asked for the whole file at least once: the mix was started over.
    let whole = mirror
        .server
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("a.bin") && r.range.is_none() && r.status == 200)
        .count();
    assert!(whole >= 1, "started over from byte 0 on the mirror");
    engine_.shutdown().await;
}

#[tokio::test]
async fn an_origin_serving_other_bytes_is_left_for_the_mirror_from_byte_zero() {
    let primary = wrong_bytes(Faults::default()).await;
    let mirror = Site::start(&[("a.bin", SIZE)], Faults::default()).await;
    let engine_ = engine::engine(&mirror.state_file(), engine::limits(1, None));
    let handle = engine_.handle();
    let mut request = mirror.mirrored("a.bin", &[&mirror]);
    request.url = primary.url("a.bin");
    handle.enqueue(request).await.unwrap();
    let download = engine::done(&handle, "a.bin").await;
    assert_eq!(
        download.state,
        DownloadState::Finished,
        "{:?}",
        download.last_error
    );
    assert_eq!(download.origin, 1);
    assert!(std::fs::read(mirror.out("a.bin")).unwrap() == mirror.bytes("a.bin"));
    engine_.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_segmented_download_whose_origin_dies_fetches_only_its_holes_from_the_mirror() {
    const BIG: usize = 6_000_000;
    // The primary: nginx capping each connection's rate, so the download opens several.
    let mirror = Site::start(&[("a.bin", BIG)], Faults::default()).await;
    let served = tempfile::tempdir().unwrap();
    std::fs::write(served.path().join("a.bin"), mirror.bytes("a.bin")).unwrap();
    let nginx = Nginx::start_with(served.path(), "limit_rate 1m;");
    let engine_ = bgassets::engine::Engine::start(bgassets::engine::EngineConfig {
        state_file: Some(mirror.state_file()),
        limits: bgassets::engine::Limits {
            max_concurrent: 1,
            max_per_host: 4,
            bytes_per_second: None,
        },
        retry: engine::quick_retry(),
        segments: bgassets::engine::SegmentConfig {
            threshold: 1_000_000,
            max_connections: 4,
        },
        ..Default::default()
    })
    .unwrap();
    let handle = engine_.handle();
    let mut request = mirror.mirrored("a.bin", &[&mirror]);
    request.url = url::Url::parse(&nginx.url_of("a.bin")).unwrap();
    handle.enqueue(request).await.unwrap();
    // Killed once several connections are open and some bytes are in.
    let mut connections = 0;
    for _ in 0..250 {
        let snapshot = handle.snapshot().await.unwrap();
        let download = snapshot.downloads.first().cloned();
        connections = download.as_ref().map_or(0, |d| d.connections);
        if connections >= 2 && download.is_some_and(|d| d.bytes_done >= 1_000_000) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    drop(nginx);

    let download = engine::done(&handle, "a.bin").await;
    assert_eq!(
        download.state,
        DownloadState::Finished,
        "{:?}",
        download.last_error
    );
    assert!(connections >= 2, "segmented: {connections} connections");
    assert_eq!(download.origin, 1, "it ends on the mirror");
    assert!(std::fs::read(mirror.out("a.bin")).unwrap() == mirror.bytes("a.bin"));
    let from_mirror: u64 = mirror
        .server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("a.bin"))
        .map(|r| r.bytes_sent)
        .sum();
    assert!(
        from_mirror <= (BIG - 1_000_000) as u64,
        "only the holes came from the mirror: {from_mirror} bytes"
    );
    engine_.shutdown().await;
}
