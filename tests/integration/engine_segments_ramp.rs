//! The ramp of a segmented download on an origin whose new connections are answered late (a
//! distant origin: TCP, TLS and the request take several round trips), simulated with nginx's
//! `limit_req`: requests after the first are answered 500 ms apart, each connection capped at
//! 1 MB/s. A ramp measured over fixed ticks saw no growth in the tick after it opened the
//! second connection (still waiting for its answer) and stopped at two; measured over windows
//! that open once every connection has been answered, it goes on.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::engine_segments::{MIB, Site, engine, request, wait_done};
use crate::support::nginx::Nginx;
use crate::support::random_bytes;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_answered_late_still_ramp_past_two() {
    let bytes = random_bytes(16 * MIB, 41);
    let site = Site::new("far.bin", &bytes);
    let nginx = Nginx::start_with(
        &site.root(),
        "limit_rate 1m; limit_req zone=answers burst=16;",
    );
    let engine = engine();
    let handle = engine.handle();
    let destination = site.download_path("far.bin");
    let mut request = request("far", &nginx.url_of("far.bin"), &destination, &bytes);
    request.expected_size = Some(bytes.len() as u64);
    handle.enqueue(request).await.expect("enqueue");

    // The most connections the engine says the download had open at once.
    let most = Arc::new(AtomicUsize::new(0));
    let watching = {
        let (handle, most) = (handle.clone(), most.clone());
        tokio::spawn(async move {
            loop {
                if let Ok(snapshot) = handle.snapshot().await
                    && let Some(download) = snapshot.get("far")
                {
                    most.fetch_max(download.connections, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let download = wait_done(&handle, "far").await;
    watching.abort();
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
