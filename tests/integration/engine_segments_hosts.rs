//! The per-host cap counts connections, not downloads (issue 15): a segmented download's
//! connections fill its host, and a second download from the same host waits for one to end
//! instead of opening more. nginx's access log shows when each request started and ended.
//! A download held back by its host's cap while slots are free says so
//! ([`EventKind::Waiting`]), not "waiting for a slot".

use std::time::Duration;

use bgassets::engine::{Engine, EngineConfig, EventKind, Limits, RetryPolicy, SegmentConfig, Wait};

use crate::engine_segments::{MIB, Site, request, settled_log, wait_done};
use crate::support::nginx::{AccessRecord, Nginx};
use crate::support::random_bytes;

/// The most requests in flight at once, from the log's start and end times. An end logged
/// within `slack` seconds of a start is taken as before it: nginx logs an aborted response when
/// it notices the client left, a little after the client's next request went out.
fn most_at_once(log: &[AccessRecord], slack: f64) -> usize {
    let mut edges: Vec<(f64, i32)> = log
        .iter()
        .flat_map(|r| [(r.started(), 1), (r.msec - slack, -1)])
        .collect();
    edges.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let (mut now, mut most) = (0i32, 0i32);
    for (_, step) in edges {
        now += step;
        most = most.max(now);
    }
    usize::try_from(most).unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_segmented_downloads_from_one_host_never_open_more_than_its_cap() {
    let first = random_bytes(12 * MIB, 41);
    let second = random_bytes(12 * MIB, 42);
    let site = Site::new("a.bin", &first);
    std::fs::write(site.root().join("b.bin"), &second).unwrap();
    let nginx = Nginx::start_with(&site.root(), "limit_rate 2m;");
    let engine = Engine::start(EngineConfig {
        limits: Limits {
            max_concurrent: 4,
            max_per_host: 2,
            bytes_per_second: None,
        },
        retry: RetryPolicy {
            base_delay: Duration::from_millis(50),
            ..RetryPolicy::default()
        },
        segments: SegmentConfig {
            threshold: MIB as u64,
            max_connections: 8,
        },
        ..EngineConfig::default()
    })
    .unwrap();
    let handle = engine.handle();
    let (a, b) = (site.download_path("a.bin"), site.download_path("b.bin"));
    handle
        .enqueue(request("a", &nginx.url_of("a.bin"), &a, &first))
        .await
        .unwrap();
    // Long enough for the first to ramp up to the host's cap (its first step doubles).
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let mut events = handle.subscribe();
    handle
        .enqueue(request("b", &nginx.url_of("b.bin"), &b, &second))
        .await
        .unwrap();
    // Slots are free, so the second says what it waits for: the first's connections.
    let told = crate::support::engine::event(&mut events, "b waiting for its host", |e| {
        e.id == "b" && matches!(e.kind, EventKind::Waiting { .. })
    })
    .await;
    let host = url::Url::parse(&nginx.url_of("b.bin")).unwrap();
    assert_eq!(
        told.kind,
        EventKind::Waiting {
            reason: Wait::Host {
                host: host.host_str().unwrap().to_string(),
                limit: 2
            }
        }
    );
    for id in ["a", "b"] {
        let download = wait_done(&handle, id).await;
        assert_eq!(
            download.state,
            bgassets::engine::DownloadState::Finished,
            "{download:?}"
        );
    }
    assert!(std::fs::read(&a).unwrap() == first && std::fs::read(&b).unwrap() == second);
    let mut log = settled_log(&nginx, "a.bin");
    let of_a = log.len();
    log.extend(settled_log(&nginx, "b.bin"));
    assert!(of_a >= 2, "the first ramped up to the cap: {log:#?}");
    let most = most_at_once(&log, 0.05);
    println!(
        "per-host cap 2: at most {most} requests at once, {} in all",
        log.len()
    );
    assert!(most <= 2, "{most} requests at once to one host: {log:#?}");
    engine.shutdown().await;
}
