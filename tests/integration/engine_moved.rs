//! Downloads whose bytes moved: the engine continues a download from its partial file at the
//! URL where the same bytes (same SHA-256) now are, and a manager restarted after its server
//! moved to another port resumes the pack there with a `Range` request and installs it
//! byte-identical. Also the manager's manifest fetch, bounded while it streams.

use bgassets::engine::{DownloadState, EngineError, Targets};
use bgassets::manager::api::Request;
use bgassets::model::{ErrorKind, Sha256Digest};
use bgassets::server::{Faults, ServeConfig, Server};

use crate::support::engine;
use crate::support::faults::FaultsExt;
use crate::support::liar::{Answer, Liar};
use crate::support::manager as managed;

fn slow() -> Faults {
    Faults::default().rate(2_000_000)
}

#[tokio::test]
async fn a_download_moved_to_another_url_continues_from_its_partial_file() {
    let old = engine::Site::start(&[("a.bin", 2_000_000)], slow()).await;
    // The same file (same seed) behind another server, on another port.
    let new = engine::Site::start(&[("a.bin", 2_000_000)], Faults::default()).await;
    let engine_ = engine::engine(&old.state_file(), engine::limits(1, None));
    let handle = engine_.handle();
    let mut events = handle.subscribe();
    handle.enqueue(old.request("a.bin")).await.unwrap();
    engine::progress_past(&mut events, "a.bin", 400_000).await;

    let moved = url::Url::parse(&new.server.url_of("a.bin")).unwrap();
    let other = Sha256Digest::of(b"other bytes");
    let refused = handle.relocate("a.bin", moved.clone(), other).await;
    assert!(
        matches!(refused, Err(EngineError::Invalid { .. })),
        "other bytes are not a move: {refused:?}"
    );
    assert!(
        handle
            .relocate("a.bin", moved.clone(), new.sha256("a.bin"))
            .await
            .unwrap()
    );
    let download = engine::done(&handle, "a.bin").await;
    assert_eq!(
        download.state,
        DownloadState::Finished,
        "{:?}",
        download.last_error
    );
    assert_eq!(download.request.url, moved);
    assert_eq!(std::fs::read(old.out("a.bin")).unwrap(), old.bytes("a.bin"));
    let answers = engine::served(&new.server, "a.bin");
    assert_eq!(answers.len(), 1, "{answers:?}");
    let (range, if_range, status, sent) = &answers[0];
    let from: u64 = range
        .as_deref()
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a Range request: {answers:?}"));
    assert!(from >= 400_000, "{answers:?}");
    assert_eq!(*status, 206);
    assert_eq!(*if_range, None, "the old server's validator is not sent");
    assert_eq!(*sent, 2_000_000 - from);
    engine_.shutdown().await;
}

#[tokio::test]
async fn a_paused_download_enqueued_at_another_url_with_the_same_bytes_keeps_its_partial_file() {
    let old = engine::Site::start(&[("a.bin", 2_000_000)], slow()).await;
    let new = engine::Site::start(&[("a.bin", 2_000_000)], Faults::default()).await;
    let engine_ = engine::engine(&old.state_file(), engine::limits(1, None));
    let handle = engine_.handle();
    let mut events = handle.subscribe();
    handle.enqueue(old.request("a.bin")).await.unwrap();
    engine::progress_past(&mut events, "a.bin", 300_000).await;
    handle.pause(Targets::All).await.unwrap();
    let mut request = old.request("a.bin");
    request.url = url::Url::parse(&new.server.url_of("a.bin")).unwrap();
    // A worker still stopping refuses the change; the wait is for it to end.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while let Err(EngineError::AlreadyScheduled(_)) = handle.enqueue(request.clone()).await {
        assert!(tokio::time::Instant::now() < deadline, "still running");
        tokio::task::yield_now().await;
    }
    let download = engine::done(&handle, "a.bin").await;
    assert_eq!(download.state, DownloadState::Finished);
    assert_eq!(std::fs::read(old.out("a.bin")).unwrap(), old.bytes("a.bin"));
    let answers = engine::served(&new.server, "a.bin");
    assert!(
        answers[0].0.as_deref().is_some_and(|r| r != "bytes=0-") && answers[0].2 == 206,
        "resumed at the new URL: {answers:?}"
    );
    engine_.shutdown().await;
}

/// Writes `dir/manifest.json`: the site's manifest with every pack at `server`'s absolute URL.
fn manifest_pointing_at(dir: &std::path::Path, site: &std::path::Path, server: &Server) {
    let text = std::fs::read_to_string(site.join("manifest.json")).unwrap();
    let mut manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
    for pack in manifest["assetPacks"].as_array_mut().unwrap() {
        let relative = pack["url"].as_str().unwrap().to_string();
        pack["url"] = server.url_of(&relative).into();
    }
    bgassets::store::write_atomically(&dir.join("manifest.json"), manifest.to_string().as_bytes())
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_download_continues_from_its_partial_at_the_url_the_manifest_now_lists() {
    const SIZE: usize = 4_000_000;
    let specs = vec![managed::Spec::new("Levels", managed::ESSENTIAL, SIZE)];
    let packs = tempfile::tempdir().unwrap();
    managed::build_site(packs.path(), &specs);
    let site = packs.path().join("site");
    // The manifest lives on its own host (as behind a CDN); the packs on another.
    let listing = tempfile::tempdir().unwrap();
    let mut config = ServeConfig::new(&site);
    config.faults = slow();
    let old = Server::start(config).await.unwrap();
    manifest_pointing_at(listing.path(), &site, &old);
    let manifests = Server::start(ServeConfig::new(listing.path()))
        .await
        .unwrap();

    let data = tempfile::tempdir().unwrap();
    let first = managed::manager(data.path()).await;
    let handle = first.handle();
    let path = managed::plist(data.path(), &manifests.manifest_url(), "100", "");
    managed::call(&handle, Request::Register { path }).await;
    managed::until(&handle, "Levels under way", |d| {
        d.pack(managed::APP, "Levels")
            .is_some_and(|p| p.progress.bytes_done > 1_000_000)
    })
    .await;
    first.shutdown().await;

    // The packs move to another port (started first, so the old port is not reused), the old
    // server goes away, and the manifest now lists the new URL: same version, same SHA-256.
    let new = Server::start(ServeConfig::new(&site)).await.unwrap();
    assert_ne!(new.url(), old.url());
    old.shutdown().await;
    manifest_pointing_at(listing.path(), &site, &new);

    let second = managed::manager(data.path()).await;
    let handle = second.handle();
    let document = managed::until(&handle, "installed from the new URL", managed::settled).await;
    let view = managed::pack(&document, "Levels");
    assert!(view.flags.up_to_date, "{view:#?}");
    let answers: Vec<_> = new
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("Levels"))
        .collect();
    assert!(!answers.is_empty(), "downloaded from the new server");
    assert!(
        answers
            .iter()
            .all(|r| r.status == 206 && r.range.as_deref().is_some_and(|r| r != "bytes=0-")),
        "resumed with Range requests only: {answers:?}"
    );
    let from_new: u64 = answers.iter().map(|r| r.bytes_sent).sum();
    println!(
        "moved: the new server served {from_new} of {} bytes in {} Range request(s): {:?}",
        view.download_size,
        answers.len(),
        answers.iter().map(|r| r.range.clone()).collect::<Vec<_>>()
    );
    assert!(
        from_new < view.download_size,
        "{from_new} bytes served of {}",
        view.download_size
    );
    let file = managed::ManagerApi::file_path(&handle, managed::APP, "Levels", "Levels/data.bin")
        .await
        .unwrap();
    let installed = std::fs::read(file).unwrap();
    assert!(installed == specs[0].files[0].1, "byte-identical");
    second.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manifest_past_the_cap_is_refused_while_it_streams() {
    // A chunked body that never ends: only a bound enforced while it streams ends the fetch.
    let liar = Liar::always(Answer::endless_chunks()).await;
    let data = tempfile::tempdir().unwrap();
    let manager = managed::manager(data.path()).await;
    let handle = manager.handle();
    let path = managed::plist(data.path(), &liar.url_of("manifest.json"), "100", "");
    managed::call(&handle, Request::Register { path }).await;
    let document = managed::until(&handle, "the manifest refused", |d| {
        d.app(managed::APP)
            .is_some_and(|a| a.manifest_error.is_some())
    })
    .await;
    let error = document
        .app(managed::APP)
        .unwrap()
        .manifest_error
        .clone()
        .unwrap();
    assert_eq!(error.kind, ErrorKind::InvalidManifest, "{error:?}");
    let cap = bgassets::manager::fetch::MAX_MANIFEST_BYTES;
    assert!(
        error.message.contains(&liar.url_of("manifest.json"))
            && error.message.contains(&format!("cap of {cap} bytes")),
        "names the URL and the cap: {error:?}"
    );
    manager.shutdown().await;
}
