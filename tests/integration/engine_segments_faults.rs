//! Segmented downloads (issue 15) when things go wrong: `bgassets download` killed with SIGKILL
//! mid-download resumes by fetching only the ranges its segment record lacks (what was synced
//! survives; nginx's access log shows what the second run asked for), a server whose
//! `Content-Range` is not the range asked for fails the download with a message naming the URL,
//! and a segment of another version of the file (If-Range ignored) is never mixed in.

use std::process::{Command, Stdio};
use std::time::Instant;

use bgassets::engine::DownloadState;
use bgassets::engine::segments::sidecar;
use bgassets::model::Sha256Digest;

use crate::engine_segments::{
    MIB, Site, TIMEOUT, engine, request, settled_log, unix_now, wait_done,
};
use crate::support::liar::{Answer, Body, Liar};
use crate::support::nginx::Nginx;
use crate::support::random_bytes;
use crate::support::wait::try_wait_for;

fn download(url: &str, output: &std::path::Path, sha256: &str) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_bgassets"))
        .args(["download", url, "--sha256", sha256, "-o"])
        .arg(output)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("bgassets download starts")
}

#[test]
fn a_killed_segmented_download_resumes_only_its_holes() {
    // Above the 32 MiB threshold of `bgassets download`; 8 connections at 4 MB/s each.
    let bytes = random_bytes(72 * MIB, 41);
    let sha256 = Sha256Digest::of(&bytes).to_hex();
    let site = Site::new("kill.bin", &bytes);
    let nginx = Nginx::start_with(&site.root(), "limit_rate 4m;");
    let url = nginx.url_of("kill.bin");
    let output = site.download_path("kill.bin");
    let partial = bgassets::store::atomic::partial_path(&output);

    let mut first = download(&url, &output, &sha256);
    // Once a checkpoint has recorded at least 32 MiB, the process dies without a word.
    let recorded = try_wait_for(TIMEOUT, || {
        sidecar::load(&partial)
            .ok()
            .flatten()
            .filter(|r| r.extents.covered() >= 32 * MIB as u64)
    });
    first.kill().expect("SIGKILL");
    first.wait().expect("reaped");
    let record = recorded.expect("a record of 32 MiB within the timeout");
    assert!(!output.exists(), "not installed before it was complete");
    // The record on disk now holds at least what was read (it only grows).
    let killed_at = unix_now();
    let holes = sidecar::load(&partial)
        .expect("readable")
        .expect("kept")
        .extents
        .holes(bytes.len() as u64);
    assert!(
        holes.iter().map(|(s, e)| e - s).sum::<u64>()
            <= bytes.len() as u64 - record.extents.covered()
    );

    let mut second = download(&url, &output, &sha256);
    let status = try_wait_for(TIMEOUT, || second.try_wait().ok().flatten()).expect("finishes");
    assert!(status.success(), "{status}");
    assert!(std::fs::read(&output).expect("downloaded") == bytes);
    assert!(!partial.exists() && !sidecar::path(&partial).exists());
    let log = settled_log(&nginx, "kill.bin");
    let after: Vec<_> = log.iter().filter(|r| r.started() >= killed_at).collect();
    assert!(!after.is_empty(), "{log:#?}");
    for record in &after {
        assert_eq!(record.status, 206, "only ranges: {log:#?}");
        let (first, last) = record.range_bounds().expect("bytes=FIRST-LAST");
        assert!(
            holes.iter().any(|&(s, e)| s <= first && last < e),
            "{first}-{last} inside a hole of {holes:?}: {log:#?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_content_range_that_is_not_the_segment_asked_for_fails_naming_the_url() {
    const SIZE: usize = 8 * MIB;
    let liar = Liar::start(|head, _| match head.range {
        None => Answer::new(
            "200 OK",
            &[
                format!("Content-Length: {SIZE}"),
                "Accept-Ranges: bytes".into(),
                "ETag: \"v1\"".into(),
            ],
            Body::Endless { fast: 0, cap: SIZE },
        ),
        // Every range is answered with the file's first 100 bytes.
        Some(_) => Answer::new(
            "206 Partial Content",
            &[
                format!("Content-Range: bytes 0-99/{SIZE}"),
                "Content-Length: 100".into(),
                "ETag: \"v1\"".into(),
            ],
            Body::Bytes(vec![0; 100]),
        ),
    })
    .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let destination = dir.path().join("lie.bin");
    let engine = engine();
    let handle = engine.handle();
    let url = liar.url_of("lie.bin");
    let mut request = request("lie", &url, &destination, &[1]);
    request.sha256 = None;
    handle.enqueue(request).await.expect("enqueue");
    let started = Instant::now();
    let download = wait_done(&handle, "lie").await;
    let error = match &download.state {
        DownloadState::Failed { error } => error.clone(),
        other => panic!("failed, not {other:?} after {:?}", started.elapsed()),
    };
    assert!(error.message.contains(&url), "{error:?}");
    assert!(
        error.message.contains("the server sent `bytes 0-99/"),
        "{error:?}"
    );
    assert!(!destination.exists());
    assert!(
        liar.seen().iter().any(|h| h.range.is_some()),
        "segmented: {:?}",
        liar.seen()
    );
    engine.shutdown().await;
}

/// The bytes `[first, last]` of a `Range: bytes=first-last` header.
fn asked(head: &crate::support::liar::Head) -> Option<(usize, usize)> {
    let (first, last) = head
        .range
        .as_deref()?
        .strip_prefix("bytes=")?
        .split_once('-')?;
    Some((first.parse().ok()?, last.parse().ok()?))
}

/// A server (or a proxy) that ignores `If-Range` answers a segment's range with a `206` of the
/// file's new version, same size, new ETag: those bytes must never be installed beside the old
/// version's (nothing pins a SHA-256 here to catch it). The download starts over on the new
/// version and installs it whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_segment_from_another_version_of_the_file_is_never_mixed_in() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    const SIZE: usize = 8 * MIB;
    let changed = Arc::new(AtomicBool::new(false));
    let seen_change = Arc::clone(&changed);
    let liar = Liar::start(move |head, _| match asked(head) {
        None if !seen_change.load(Ordering::SeqCst) => Answer::new(
            "200 OK",
            &[
                format!("Content-Length: {SIZE}"),
                "Accept-Ranges: bytes".into(),
                "ETag: \"v1\"".into(),
            ],
            // The old version: 0xa5 bytes, slowly.
            Body::Endless { fast: 0, cap: SIZE },
        ),
        None => Answer::new(
            "200 OK",
            &[
                format!("Content-Length: {SIZE}"),
                "Accept-Ranges: bytes".into(),
                "ETag: \"v2\"".into(),
            ],
            Body::Bytes(vec![0x3c; SIZE]),
        ),
        Some((first, last)) => {
            seen_change.store(true, Ordering::SeqCst);
            let length = last.saturating_add(1).saturating_sub(first);
            Answer::new(
                "206 Partial Content",
                &[
                    format!("Content-Range: bytes {first}-{last}/{SIZE}"),
                    format!("Content-Length: {length}"),
                    "ETag: \"v2\"".into(),
                ],
                Body::Bytes(vec![0x3c; length]),
            )
        }
    })
    .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let destination = dir.path().join("changed.bin");
    let engine = engine();
    let handle = engine.handle();
    let mut request = request("changed", &liar.url_of("changed.bin"), &destination, &[1]);
    request.sha256 = None;
    handle.enqueue(request).await.expect("enqueue");
    let download = wait_done(&handle, "changed").await;
    assert!(
        liar.seen().iter().any(|h| h.range.is_some()),
        "a segment was asked for: {:?}",
        liar.seen()
    );
    assert_eq!(download.state, DownloadState::Finished, "{download:?}");
    let bytes = std::fs::read(&destination).expect("installed");
    let old = bytes.iter().filter(|b| **b != 0x3c).count();
    assert_eq!((bytes.len(), old), (SIZE, 0), "bytes of the old version");
    engine.shutdown().await;
}

/// The same over one connection: a resume whose `206` carries another ETag (If-Range ignored)
/// must not append the new version's bytes to the old version's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_from_another_version_of_the_file_is_never_appended() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    const SIZE: usize = 256 * 1024;
    let asked_whole = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&asked_whole);
    let liar = Liar::start(move |head, _| match head.range_start() {
        // First the old version, cut off halfway; then the new version, whole.
        None if count.fetch_add(1, Ordering::SeqCst) == 0 => Answer::new(
            "200 OK",
            &[
                format!("Content-Length: {SIZE}"),
                "Accept-Ranges: bytes".into(),
                "ETag: \"v1\"".into(),
            ],
            Body::Bytes(vec![0x11; SIZE / 2]),
        ),
        None => Answer::new(
            "200 OK",
            &[format!("Content-Length: {SIZE}"), "ETag: \"v2\"".into()],
            Body::Bytes(vec![0x22; SIZE]),
        ),
        Some(first) => {
            let first = usize::try_from(first).unwrap_or(SIZE).min(SIZE);
            Answer::new(
                "206 Partial Content",
                &[
                    format!("Content-Range: bytes {first}-{}/{SIZE}", SIZE - 1),
                    format!("Content-Length: {}", SIZE - first),
                    "ETag: \"v2\"".into(),
                ],
                Body::Bytes(vec![0x22; SIZE - first]),
            )
        }
    })
    .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let destination = dir.path().join("resumed.bin");
    let engine = engine();
    let handle = engine.handle();
    let mut request = request("resumed", &liar.url_of("resumed.bin"), &destination, &[1]);
    request.sha256 = None;
    handle.enqueue(request).await.expect("enqueue");
    let download = wait_done(&handle, "resumed").await;
    assert!(
        liar.seen().iter().any(|h| h.range.is_some()),
        "a resume was asked for: {:?}",
        liar.seen()
    );
    assert_eq!(download.state, DownloadState::Finished, "{download:?}");
    let bytes = std::fs::read(&destination).expect("installed");
    let old = bytes.iter().filter(|b| **b != 0x22).count();
    assert_eq!((bytes.len(), old), (SIZE, 0), "bytes of the old version");
    engine.shutdown().await;
}
