//! Mirrors (issue 16): a download whose origin dies, errs, stalls or refuses moves to the next
//! origin of the same bytes and resumes its partial file there instead of starting over; the
//! fastest measured origin is tried first; a manager installs a pack whose first origin is
//! killed mid-download from its mirror.

use bgassets::engine::{DownloadState, EventKind};
use bgassets::manager::api::Request;
use bgassets::server::{Faults, ServeConfig, Server};

use crate::support::engine::{self, Site, range_start, served};
use crate::support::faults::FaultsExt;
use crate::support::manager as managed;

const SIZE: usize = 2_000_000;

/// A mirror of `primary`: the same files (same seeds) on another server.
async fn mirror_of(faults: Faults) -> Site {
    Site::start(&[("a.bin", SIZE)], faults).await
}

#[tokio::test]
async fn an_origin_killed_mid_download_is_left_for_the_mirror_which_resumes_the_partial() {
    let primary = Site::start(&[("a.bin", SIZE)], Faults::default().rate(1_000_000)).await;
    let mirror = mirror_of(Faults::default()).await;
    let engine_ = engine::engine(&primary.state_file(), engine::limits(1, None));
    let handle = engine_.handle();
    let mut events = handle.subscribe();
    let request = primary.mirrored("a.bin", &[&mirror]);
    handle.enqueue(request).await.unwrap();
    engine::progress_past(&mut events, "a.bin", 400_000).await;

    let (out, expected) = (primary.out("a.bin"), primary.bytes("a.bin"));
    let Site { server, dir: _kept } = primary;
    server.shutdown().await; // the connection aborted, the port closed
    let download = engine::done(&handle, "a.bin").await;
    assert_eq!(
        download.state,
        DownloadState::Finished,
        "{:?}",
        download.last_error
    );
    assert_eq!(download.origin, 1, "it ends on the mirror");
    assert!(std::fs::read(out).unwrap() == expected, "byte-identical");
    let answers = served(&mirror.server, "a.bin");
    assert_eq!(answers.len(), 1, "one request to the mirror: {answers:?}");
    let (range, if_range, status, sent) = &answers[0];
    let from = range_start(range).unwrap_or_else(|| panic!("a Range request: {answers:?}"));
    assert!(from >= 400_000, "resumed, not started over: {answers:?}");
    assert_eq!((*status, *sent), (206, SIZE as u64 - from));
    assert_eq!(*if_range, None, "the dead origin's validator is not sent");
    engine_.shutdown().await;
}

#[tokio::test]
async fn a_server_error_moves_to_the_mirror_at_once_and_says_so() {
    let primary = Site::start(&[("a.bin", SIZE)], Faults::default().fail_rate(1.0)).await;
    let mirror = mirror_of(Faults::default()).await;
    let engine_ = engine::engine(&primary.state_file(), engine::limits(1, None));
    let handle = engine_.handle();
    let mut events = handle.subscribe();
    let mut request = primary.request("a.bin");
    let mirror_url = url::Url::parse(&mirror.server.url_of("a.bin")).unwrap();
    request.mirrors = vec![mirror_url.clone()];
    handle.enqueue(request).await.unwrap();
    let retry = engine::event(&mut events, "a retry on the mirror", |e| {
        matches!(e.kind, EventKind::Retrying { .. })
    })
    .await;
    let EventKind::Retrying {
        reason, delay_ms, ..
    } = retry.kind
    else {
        unreachable!()
    };
    assert_eq!(delay_ms, 0, "a fresh origin is tried at once");
    assert!(
        reason.message.contains("503") && reason.message.contains(mirror_url.as_str()),
        "the reason names the failure and where it goes next: {}",
        reason.message
    );
    let download = engine::done(&handle, "a.bin").await;
    assert_eq!(download.state, DownloadState::Finished);
    assert_eq!(
        served(&primary.server, "a.bin").len(),
        1,
        "no retry on the failing origin"
    );
    engine_.shutdown().await;
}

#[tokio::test]
async fn a_stalled_origin_and_a_refused_one_are_both_left_for_the_next() {
    // The URL's port refuses; the first mirror stalls after 300 kB; the second serves.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let refused = format!("http://{}/a.bin", closed.local_addr().unwrap());
    drop(closed);
    let stalling = mirror_of(Faults::default().stall_after(300_000)).await;
    let good = mirror_of(Faults::default()).await;
    let engine_ = engine::engine(&good.state_file(), engine::limits(1, None));
    let handle = engine_.handle();
    let mut request = good.mirrored("a.bin", &[&stalling, &good]);
    request.url = url::Url::parse(&refused).unwrap();
    handle.enqueue(request).await.unwrap();
    let download = engine::done(&handle, "a.bin").await;
    assert_eq!(
        download.state,
        DownloadState::Finished,
        "{:?}",
        download.last_error
    );
    assert_eq!(
        std::fs::read(good.out("a.bin")).unwrap(),
        good.bytes("a.bin")
    );
    let answers = served(&good.server, "a.bin");
    let from = range_start(&answers[0].0);
    assert!(
        from.is_some_and(|from| from >= 300_000),
        "the stalled origin's bytes were kept: {answers:?}"
    );
    engine_.shutdown().await;
}

#[tokio::test]
async fn the_fastest_measured_origin_is_tried_first() {
    let files = [("fast.bin", SIZE), ("slow.bin", SIZE), ("both.bin", SIZE)];
    let slow = Site::start(&files, Faults::default().rate(4_000_000)).await;
    let fast = Site::start(&files, Faults::default()).await;
    let engine_ = engine::engine(&fast.state_file(), engine::limits(1, None));
    let handle = engine_.handle();
    // One file from each measures both origins.
    handle.enqueue(fast.request("fast.bin")).await.unwrap();
    engine::done(&handle, "fast.bin").await;
    handle.enqueue(slow.request("slow.bin")).await.unwrap();
    engine::done(&handle, "slow.bin").await;
    // Listed slow first, it is fetched from the fast one.
    let request = slow.mirrored("both.bin", &[&fast]);
    handle.enqueue(request).await.unwrap();
    let download = engine::done(&handle, "both.bin").await;
    assert_eq!(download.state, DownloadState::Finished);
    assert_eq!(download.origin, 1);
    assert!(served(&slow.server, "both.bin").is_empty());
    assert_eq!(served(&fast.server, "both.bin").len(), 1);
    engine_.shutdown().await;
}

#[tokio::test]
async fn mirrors_without_a_pinned_digest_are_refused_naming_the_rule() {
    let site = mirror_of(Faults::default()).await;
    let engine_ = engine::engine(&site.state_file(), engine::limits(1, None));
    let mut request = site.mirrored("a.bin", &[&site]);
    request.sha256 = None;
    let refused = engine_.handle().enqueue(request).await.unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("mirrors need a pinned SHA-256"),
        "{refused}"
    );
    engine_.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pack_whose_first_origin_is_killed_mid_download_installs_from_its_mirror() {
    const PACK: usize = 4_000_000;
    let specs = vec![managed::Spec::new("Levels", managed::ESSENTIAL, PACK)];
    let packs = tempfile::tempdir().unwrap();
    managed::build_site(packs.path(), &specs);
    let site = packs.path().join("site");
    let mut config = ServeConfig::new(&site);
    config.faults = Faults::default().rate(1_000_000);
    let first = Server::start(config).await.unwrap();
    let second = Server::start(ServeConfig::new(&site)).await.unwrap();
    // The manifest names the pack on the first server, with the second as its mirror.
    let text = std::fs::read_to_string(site.join("manifest.json")).unwrap();
    let mut manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
    for pack in manifest["assetPacks"].as_array_mut().unwrap() {
        let relative = pack["url"].as_str().unwrap().to_string();
        pack["url"] = first.url_of(&relative).into();
        pack["mirrors"] = serde_json::json!([second.url_of(&relative)]);
    }
    std::fs::write(site.join("manifest.json"), manifest.to_string()).unwrap();

    let data = tempfile::tempdir().unwrap();
    let manager = managed::manager(data.path()).await;
    let handle = manager.handle();
    let path = managed::plist(data.path(), &second.manifest_url(), "1", "");
    managed::call(&handle, Request::Register { path }).await;
    managed::until(&handle, "Levels under way", |d| {
        d.pack(managed::APP, "Levels")
            .is_some_and(|p| p.progress.bytes_done > 1_000_000)
    })
    .await;
    first.shutdown().await;
    let document = managed::until(&handle, "installed from the mirror", managed::settled).await;
    let view = managed::pack(&document, "Levels");
    assert!(view.flags.up_to_date, "{view:#?}");
    let answers = served(&second, "Levels-1.zip");
    assert_eq!(answers.len(), 1, "{answers:?}");
    let from = range_start(&answers[0].0).unwrap_or_else(|| panic!("{answers:?}"));
    assert!(
        from > 1_000_000,
        "resumed from the partial file: {answers:?}"
    );
    println!(
        "failover: the mirror served {} of {} bytes in one request, {:?} answered {}",
        answers[0].3, view.download_size, answers[0].0, answers[0].2
    );
    let file = managed::ManagerApi::file_path(&handle, managed::APP, "Levels", "Levels/data.bin")
        .await
        .unwrap();
    assert!(
        std::fs::read(file).unwrap() == specs[0].files[0].1,
        "byte-identical"
    );
    manager.shutdown().await;
}
