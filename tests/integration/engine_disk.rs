//! A full disk: a download too large for the free space is refused before it starts, and one
//! that fills the disk mid-stream fails with `diskFull`, keeps its partial file and resumes by
//! itself once space is freed. The small disk is a 4 MiB tmpfs mounted for the test (root, or
//! CAP_SYS_ADMIN, is needed: `scripts/test` runs as root in CI).

use std::path::Path;
use std::time::{Duration, Instant};

use bgassets::engine::{DownloadState, EventKind};
use bgassets::model::ErrorKind;
use bgassets::server::Faults;

use crate::support::engine::*;
use crate::support::faults::FaultsExt;
use crate::support::small_disk::SmallDisk;

fn on(disk: &Path, site: &Site, name: &str) -> bgassets::engine::DownloadRequest {
    let mut request = site.request(name);
    request.destination = disk.join(name);
    request
}

#[tokio::test]
async fn a_download_larger_than_the_free_space_is_refused_before_it_starts() {
    let disk = SmallDisk::required("4m");
    let site = Site::start(&[("big.bin", 6_000_000)], Faults::default()).await;
    let engine = engine(&site.state_file(), limits(2, None));
    let handle = engine.handle();
    handle
        .enqueue(on(&disk.path, &site, "big.bin"))
        .await
        .unwrap();
    let download = done(&handle, "big.bin").await;
    let DownloadState::Failed { error } = &download.state else {
        panic!("{:?}", download.state)
    };
    assert_eq!(error.kind, ErrorKind::DiskFull);
    assert!(error.message.contains("6000000 bytes needed"), "{error:?}");
    assert!(site.ranges("big.bin").is_empty(), "nothing was requested");
    engine.shutdown().await;
}

#[tokio::test]
async fn a_disk_that_fills_mid_stream_keeps_the_partial_and_resumes_once_space_is_freed() {
    let disk = SmallDisk::required("4m");
    let site = Site::start(&[("a.bin", 2_000_000)], Faults::default().rate(2_000_000)).await;
    let engine = engine(&site.state_file(), limits(2, None));
    let handle = engine.handle();
    let mut events = handle.subscribe();
    handle
        .enqueue(on(&disk.path, &site, "a.bin"))
        .await
        .unwrap();
    progress_past(&mut events, "a.bin", 300_000).await;
    // Something else takes all but 200 KB of the disk.
    // The download goes on writing meanwhile, so the filler may itself meet the full disk: it
    // takes what it can.
    let filler = disk.path.join("filler");
    let take = disk.free().saturating_sub(200_000) as usize;
    fill(&filler, take);

    let failed = event(
        &mut events,
        "diskFull",
        |e| matches!(&e.kind, EventKind::Failed { error } if error.kind == ErrorKind::DiskFull),
    )
    .await;
    assert_eq!(failed.id, "a.bin");
    let kept = std::fs::metadata(disk.path.join("a.bin.partial"))
        .unwrap()
        .len();
    // Progress counts bytes received; what reached the disk before it filled may be less.
    assert!(kept > 0, "the partial file is kept: {kept} bytes");

    let freed = Instant::now();
    std::fs::remove_file(&filler).unwrap();
    event(&mut events, "requeue once space is free", |e| {
        e.id == "a.bin" && matches!(e.kind, EventKind::Queued)
    })
    .await;
    let download = done(&handle, "a.bin").await;
    assert_eq!(
        download.state,
        DownloadState::Finished,
        "{:?}",
        download.last_error
    );
    assert!(freed.elapsed() < Duration::from_secs(10));
    assert_eq!(
        std::fs::read(disk.path.join("a.bin")).unwrap(),
        site.bytes("a.bin")
    );
    let ranges = site.ranges("a.bin");
    assert_eq!(
        ranges.last().unwrap().1,
        206,
        "resumed, not restarted: {ranges:?}"
    );
    engine.shutdown().await;
}

/// Writes up to `len` zero bytes to `path`, stopping quietly when the disk is full.
fn fill(path: &std::path::Path, len: usize) {
    use std::io::Write;
    let mut file = std::fs::File::create(path).unwrap();
    let chunk = vec![0u8; 64 * 1024];
    let mut left = len;
    while left > 0 {
        let n = left.min(chunk.len());
        match file.write_all(&chunk[..n]) {
            Ok(()) => left -= n,
            Err(e) if e.raw_os_error() == Some(libc::ENOSPC) => break,
            Err(e) => panic!("cannot write the filler: {e}"),
        }
    }
}
