//! A download's file is its own: a destination another download may still write, or one named
//! like the engine's working files (`NAME.partial`, `NAME.partial.segments`), is refused at
//! enqueue; and a download cancelled while it is verifying is not installed after all (a pause
//! does not apply to it). Both
//! found by a hostile review: a download ended `Finished` with another download's bytes at its
//! destination, and a cancelled one ended `Finished` with its file in place.

use std::time::Duration;

use bgassets::engine::{DownloadRequest, DownloadState, EventKind, Targets};
use bgassets::model::ErrorKind;
use bgassets::server::Faults;

use crate::support::engine::*;
use crate::support::faults::FaultsExt;

fn to(site: &Site, name: &str, destination: &std::path::Path) -> DownloadRequest {
    let mut request = DownloadRequest::new(name, site.url(name), destination);
    request.expected_size = Some(site.bytes(name).len() as u64);
    request.sha256 = Some(site.sha256(name));
    request
}

/// The regression this guards: B's destination was A's partial file; B's rename replaced it
/// while A was still arriving, and A's rename then put B's bytes at A's destination.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_destination_is_never_another_downloads_file_or_working_file() {
    let slow = Site::start(&[("a.bin", 4 << 20)], Faults::default().rate(2_000_000)).await;
    let quick = Site::start(&[("b.bin", 200 << 10)], Faults::default()).await;
    let folder = tempfile::tempdir().unwrap();
    let d = folder.path().join("download-x");
    let engine = engine(&slow.state_file(), limits(4, None));
    let handle = engine.handle();
    let mut events = handle.subscribe();
    handle.enqueue(to(&slow, "a.bin", &d)).await.unwrap();
    progress_past(&mut events, "a.bin", 1 << 20).await;

    for working in ["download-x.partial", "download-x.partial.segments"] {
        let refused = handle
            .enqueue(to(&quick, "b.bin", &folder.path().join(working)))
            .await
            .unwrap_err();
        assert_eq!(refused.kind(), ErrorKind::DownloadInvalid, "{refused}");
        assert!(refused.to_string().contains(working), "{refused}");
        assert!(refused.to_string().contains("not finished"), "{refused}");
    }
    // The same destination as a download still running: refused, naming it.
    let refused = handle.enqueue(to(&quick, "b.bin", &d)).await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::DownloadInvalid, "{refused}");
    assert!(refused.to_string().contains("`a.bin`"), "{refused}");

    let a = done(&handle, "a.bin").await;
    assert_eq!(a.state, DownloadState::Finished, "{:?}", a.last_error);
    assert_eq!(std::fs::read(&d).unwrap(), slow.bytes("a.bin"));
    // Finished, A gives its destination up: B may replace the file now.
    handle.enqueue(to(&quick, "b.bin", &d)).await.unwrap();
    let b = done(&handle, "b.bin").await;
    assert_eq!(b.state, DownloadState::Finished, "{:?}", b.last_error);
    assert_eq!(std::fs::read(&d).unwrap(), quick.bytes("b.bin"));
    engine.shutdown().await;
}

/// Starts `name` and waits until it says it is verifying: its bytes are all in, the writer
/// thread's sync of 24 MiB, the check and the rename still to come.
async fn verifying(
    handle: &bgassets::engine::EngineHandle,
    events: &mut tokio::sync::broadcast::Receiver<bgassets::engine::Event>,
    site: &Site,
    name: &str,
) {
    handle.enqueue(site.request(name)).await.unwrap();
    event(events, "verifying", |e| {
        e.id == name && matches!(e.kind, EventKind::Verifying)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_cancelled_while_verifying_is_not_installed() {
    let site = Site::start(
        &[("c.bin", 24 << 20), ("p.bin", 24 << 20)],
        Faults::default(),
    )
    .await;
    let engine = engine(&site.state_file(), limits(2, None));
    let handle = engine.handle();
    let mut events = handle.subscribe();

    // Cancelled: once its attempt has ended (the partial file gone), no file is in place and
    // no `Finished` followed the `Cancelled`.
    verifying(&handle, &mut events, &site, "c.bin").await;
    assert_eq!(handle.cancel(Targets::one("c.bin")).await.unwrap(), 1);
    let partial = bgassets::store::atomic::partial_path(&site.out("c.bin"));
    tokio::time::timeout(Duration::from_secs(20), async {
        while partial.exists() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the cancelled download's partial file is removed");
    assert!(!site.out("c.bin").exists(), "installed after its cancel");
    let snapshot = handle.snapshot().await.unwrap();
    assert_eq!(
        snapshot.get("c.bin").unwrap().state,
        DownloadState::Cancelled
    );
    while let Ok(e) = events.try_recv() {
        assert!(
            !(e.id == "c.bin" && matches!(e.kind, EventKind::Finished { .. })),
            "finished after its cancel"
        );
    }

    // Paused: a verifying download has every byte and is being put in place, which a pause
    // would not stop: it is not paused (no `Paused` followed by `Finished`), and finishes.
    verifying(&handle, &mut events, &site, "p.bin").await;
    assert_eq!(handle.pause(Targets::one("p.bin")).await.unwrap(), 0);
    finished_whole(&handle, &site, "p.bin").await;
    while let Ok(e) = events.try_recv() {
        assert!(
            !(e.id == "p.bin" && matches!(e.kind, EventKind::Paused { .. })),
            "told paused, then finished"
        );
    }
    engine.shutdown().await;
}
