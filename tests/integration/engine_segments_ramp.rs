//! The ramp of a segmented download on an origin whose new connections are answered late (a
//! distant origin: TCP, TLS and the request take several round trips), simulated with nginx's
//! `limit_req`: requests after the first are answered 500 ms apart, each connection capped at
//! 1 MB/s and sent in 16 KiB pieces (smooth within a window, not in bursts of sendfile's size).
//! A ramp measured over fixed ticks saw no growth in the tick after it opened the second
//! connection (still waiting for its answer) and stopped at two; measured over windows that
//! open once every connection has been answered, it goes on.
//!
//! And a connection the host's cap refused opens once another download's connection there
//! ends, even after the ramp is over (it did not between two commits of 2026-12-04).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bgassets::engine::{DownloadState, EngineHandle};

use crate::engine_segments::{MIB, Site, engine, request, wait_done};
use crate::support::nginx::Nginx;
use crate::support::random_bytes;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_answered_late_still_ramp_past_two() {
    let bytes = random_bytes(16 * MIB, 41);
    let site = Site::new("far.bin", &bytes);
    let nginx = Nginx::start_with(
        &site.root(),
        "limit_rate 1m; sendfile_max_chunk 16k; limit_req zone=answers burst=16;",
    );
    let engine = engine();
    let handle = engine.handle();
    let destination = site.download_path("far.bin");
    let mut request = request("far", &nginx.url_of("far.bin"), &destination, &bytes);
    request.expected_size = Some(bytes.len() as u64);
    handle.enqueue(request).await.expect("enqueue");

    let most = watch_connections(&handle, "far");
    let download = wait_done(&handle, "far").await;
    assert_eq!(
        std::fs::read(&destination).expect("downloaded"),
        bytes,
        "{download:?}"
    );
    let most = most.load(Ordering::Relaxed);
    assert!(
        most >= 4,
        "the ramp went past two connections: at most {most}"
    );
    engine.shutdown().await;
}

/// The most connections the engine says download `id` has had open at once, watched every
/// 50 ms until the engine is gone.
fn watch_connections(handle: &EngineHandle, id: &str) -> Arc<AtomicUsize> {
    let most = Arc::new(AtomicUsize::new(0));
    let (handle, seen, id) = (handle.clone(), most.clone(), id.to_string());
    tokio::spawn(async move {
        while let Ok(snapshot) = handle.snapshot().await {
            if let Some(download) = snapshot.get(&id) {
                seen.fetch_max(download.connections, Ordering::Relaxed);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    most
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_the_host_refused_opens_once_another_download_frees_one() {
    // Two downloads from one host (4 connections at most), started together: each wants a
    // third connection while the other holds the rest; the short one ends, and the long one
    // takes the freed connections although its ramp is over by then.
    let (short, long) = (random_bytes(6 * MIB, 42), random_bytes(24 * MIB, 43));
    let site = Site::new("short.bin", &short);
    std::fs::write(site.root().join("long.bin"), &long).expect("long.bin");
    let nginx = Nginx::start_with(&site.root(), "limit_rate 2m; sendfile_max_chunk 16k;");
    let engine = engine();
    let handle = engine.handle();
    for (id, bytes) in [("short", &short), ("long", &long)] {
        let destination = site.download_path(&format!("{id}.bin"));
        let url = nginx.url_of(&format!("{id}.bin"));
        let mut request = request(id, &url, &destination, bytes);
        request.expected_size = Some(bytes.len() as u64);
        handle.enqueue(request).await.expect("enqueue");
    }
    // The long download's connections: the most while the short one still held its own
    // (queued, connecting or downloading; it gives them back when it starts verifying), and
    // the most overall.
    let (while_shared, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    {
        let (handle, while_shared, most) = (handle.clone(), while_shared.clone(), most.clone());
        tokio::spawn(async move {
            while let Ok(snapshot) = handle.snapshot().await {
                let shared = snapshot.get("short").is_some_and(|d| {
                    matches!(
                        d.state,
                        DownloadState::Queued
                            | DownloadState::Connecting
                            | DownloadState::Downloading
                    )
                });
                if let Some(download) = snapshot.get("long") {
                    most.fetch_max(download.connections, Ordering::Relaxed);
                    if shared {
                        while_shared.fetch_max(download.connections, Ordering::Relaxed);
                    }
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        });
    }
    let download = wait_done(&handle, "long").await;
    let destination = site.download_path("long.bin");
    assert_eq!(
        std::fs::read(&destination).expect("downloaded"),
        long,
        "{download:?}"
    );
    let (while_shared, most) = (
        while_shared.load(Ordering::Relaxed),
        most.load(Ordering::Relaxed),
    );
    // Its ramp is over by the time the short one ends (no window grows while the host is
    // full), so only a look after the ramp opens the freed connections.
    assert!(
        most > while_shared,
        "the long download took the freed connections: {while_shared} while shared, then {most}"
    );
    engine.shutdown().await;
}
