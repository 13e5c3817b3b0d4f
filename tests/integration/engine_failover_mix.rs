//! Mirrors that serve different bytes of the same size (issue 16 review): the pinned SHA-256
//! catches a partial file mixed from two origins, the download starts over from byte 0 on
//! another origin, and it ends (finished from the right one, or failed saying why) instead of
//! looping; nothing unverified is installed.

use bgassets::engine::DownloadState;
use bgassets::model::ErrorKind;
use bgassets::server::Faults;

use crate::support::engine::{self, Site, random_bytes};
use crate::support::faults::FaultsExt;

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
    let mut request = primary.request("a.bin");
    request.mirrors = vec![url::Url::parse(&mirror.server.url_of("a.bin")).unwrap()];
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
    let mut request = mirror.request("a.bin");
    request.url = url::Url::parse(&primary.server.url_of("a.bin")).unwrap();
    request.mirrors = vec![url::Url::parse(&mirror.server.url_of("a.bin")).unwrap()];
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
