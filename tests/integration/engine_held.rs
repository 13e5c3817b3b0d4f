//! Small downloads held in memory until complete (issue 15, `engine::held`): what they leave on
//! disk while they stream. (A held body cut short is still written for the resume:
//! `engine_download::dropped_connections_resume_with_range_requests` downloads 1,000,000 bytes,
//! under the size that is held, over three connections.)

use bgassets::engine::{EventKind, Targets};
use bgassets::server::Faults;

use crate::support::engine::*;
use crate::support::faults::FaultsExt;

/// The regression this guards: a held body reaches the disk only at its end, so an attempt that
/// starts over (the server answered the resume with the whole file) must not leave the earlier
/// attempt's bytes in the partial file while it streams; a crash then would resume on them
/// under the new version's validator.
#[tokio::test]
async fn a_small_download_started_over_leaves_no_bytes_of_the_earlier_attempt_while_it_streams() {
    let site = Site::start(&[("a.bin", 900_000)], Faults::default().rate(1_000_000)).await;
    let engine = engine(&site.state_file(), limits(4, None));
    let handle = engine.handle();
    let mut events = handle.subscribe();
    handle.enqueue(site.request("a.bin")).await.unwrap();
    pause_past(&handle, &mut events, "a.bin", 300_000).await;
    let kept = event(&mut events, "the stopped worker's kept bytes", |e| {
        matches!(e.kind, EventKind::Kept { .. })
    })
    .await;
    let partial = site.out("a.bin.partial");
    let on_disk = std::fs::metadata(&partial).map(|m| m.len()).unwrap_or(0);
    assert!(
        matches!(kept.kind, EventKind::Kept { bytes_done } if bytes_done == on_disk)
            && on_disk >= 300_000,
        "the pause keeps what arrived: {kept:?}, {on_disk} bytes on disk"
    );

    site.server
        .set_faults(Faults::default().change_etag().rate(300_000))
        .unwrap();
    handle.resume(Targets::All).await.unwrap();
    // Streaming again from byte 0 (the If-Range no longer matches): fewer bytes than were kept.
    event(&mut events, "the restarted attempt's progress", |e| {
        matches!(&e.kind, EventKind::Progress { progress, .. }
            if (50_000..250_000).contains(&progress.bytes_done))
    })
    .await;
    assert!(
        !partial.exists(),
        "the earlier attempt's partial file is gone while the new body is held"
    );

    finished_whole(&handle, &site, "a.bin").await;
    assert_eq!(site.ranges("a.bin")[1].1, 200, "{:?}", site.ranges("a.bin"));
    engine.shutdown().await;
}
