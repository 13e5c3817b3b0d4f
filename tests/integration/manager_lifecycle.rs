//! The managed layer end to end, with a real manager in a temp data dir and the mock server:
//! first installation (essentials before launch-ready, then prefetch), subsequent update, pack
//! update swapped under a reader holding old files, obsolete packs, on-demand packs, remove,
//! and a restart mid-download.

use bgassets::manager::api::Request;
use bgassets::server::Faults;

use crate::support::faults::FaultsExt;
use crate::support::manager::*;

fn catalogue() -> Vec<Spec> {
    vec![
        Spec::new("Tutorial", ESSENTIAL, 400_000),
        Spec::new("Fonts", ESSENTIAL_ON_UPDATE, 50_000),
        Spec::new("Music", PREFETCH, 600_000),
        Spec::new("Textures", PREFETCH_ON_UPDATE, 80_000),
        Spec::new("Bonus", ON_DEMAND, 70_000),
    ]
}

/// The catalogue served, registered at version 100 in a fresh data dir, and installed as far as
/// its first installation goes.
async fn installed_catalogue() -> (
    Site,
    tempfile::TempDir,
    bgassets::manager::Manager,
    bgassets::manager::view::StatusDocument,
) {
    let site = Site::start(&catalogue(), Faults::default()).await;
    let data = tempfile::tempdir().unwrap();
    let manager = manager(data.path()).await;
    let handle = manager.handle();
    let path = plist(data.path(), &site.server.manifest_url(), "100", "");
    call(&handle, Request::Register { path }).await;
    let document = until(&handle, "installed", settled).await;
    (site, data, manager, document)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_installation_brings_essentials_before_launch_then_prefetch() {
    let site = Site::start(&catalogue(), Faults::default().rate(4_000_000)).await;
    let data = tempfile::tempdir().unwrap();
    let manager = manager(data.path()).await;
    let handle = manager.handle();
    let mut events = handle.subscribe();
    let plist = plist(data.path(), &site.server.manifest_url(), "100", "");
    call(
        &handle,
        Request::Register {
            path: plist.parent().unwrap().parent().unwrap().to_path_buf(),
        },
    )
    .await;

    let seen = events_until(&mut events, |e| is(&e.kind, "launchReady")).await;
    let installed: Vec<_> = seen
        .iter()
        .filter(|e| is(&e.kind, "installed"))
        .filter_map(|e| e.pack.clone())
        .collect();
    assert_eq!(
        installed,
        ["Tutorial"],
        "only the essential pack is in at launch-ready"
    );

    let document = until(&handle, "settled", settled).await;
    let app = document.app(APP).unwrap();
    assert!(app.launch_ready && app.waiting_for.is_empty());
    assert!(pack(&document, "Tutorial").flags.up_to_date);
    assert!(
        pack(&document, "Music").flags.up_to_date,
        "prefetch follows"
    );
    for id in ["Fonts", "Textures", "Bonus"] {
        let view = pack(&document, id);
        assert!(
            view.flags.download_available && !view.flags.downloaded,
            "{id} waits: {view:?}"
        );
    }
    let file = app.container.join("Tutorial/Tutorial/data.bin");
    assert_eq!(
        std::fs::read(&file).unwrap().len(),
        400_000,
        "{}",
        file.display()
    );
    assert_eq!(app.disk_used, 400_000 + 600_000);
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_bundle_version_is_a_subsequent_update() {
    let site = Site::start(&catalogue(), Faults::default()).await;
    let data = tempfile::tempdir().unwrap();
    let manager = manager(data.path()).await;
    let handle = manager.handle();
    call(
        &handle,
        Request::Register {
            path: plist(data.path(), &site.server.manifest_url(), "100", ""),
        },
    )
    .await;
    until(&handle, "first installation", settled).await;

    call(
        &handle,
        Request::Register {
            path: plist(data.path(), &site.server.manifest_url(), "101", ""),
        },
    )
    .await;
    let document = until(&handle, "update installed", |d| {
        settled(d) && pack(d, "Fonts").flags.up_to_date
    })
    .await;
    let app = document.app(APP).unwrap();
    assert_eq!(app.bundle_version, "101");
    assert_eq!(
        serde_json::to_value(app.installation_event).unwrap(),
        "subsequentUpdate"
    );
    assert!(
        pack(&document, "Textures").flags.up_to_date,
        "prefetch on update"
    );
    assert!(
        !pack(&document, "Bonus").flags.downloaded,
        "on demand still waits"
    );
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pack_update_swaps_in_while_a_reader_keeps_the_old_files() {
    let (site, _data, manager, document) = installed_catalogue().await;
    let handle = manager.handle();
    let file = document
        .app(APP)
        .unwrap()
        .container
        .join("Music/Music/data.bin");
    let old = std::fs::read(&file).unwrap();
    let mut reader = std::fs::File::open(&file).unwrap();

    let mut next = catalogue();
    next[2] = next[2].clone().version(2);
    site.publish(&next);
    let mut events = handle.subscribe();
    let answer = handle.check_updates(Some(APP)).await.unwrap();
    assert_eq!(answer.updating[0].pack, "Music", "{answer:?}");
    let seen = events_until(&mut events, |e| {
        e.pack.as_deref() == Some("Music") && is(&e.kind, "installed")
    })
    .await;
    assert!(seen.iter().any(|e| is(&e.kind, "updateAvailable")));

    use std::io::Read;
    let mut held = Vec::new();
    reader.read_to_end(&mut held).unwrap();
    assert_eq!(held, old, "the open file still reads the old version");
    let new = std::fs::read(&file).unwrap();
    assert_ne!(new, old);
    assert_eq!(
        new, next[2].files[0].1,
        "a fresh open reads the new version"
    );
    let document = handle.status().await.unwrap();
    assert_eq!(pack(&document, "Music").installed_version, Some(2));
    manager.shutdown().await;
}

/// Issue 12 changed this: as Apple defines `obsolete` (installed, no longer listed), the pack
/// stays installed with its flag showing until the app or the user removes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn packs_gone_from_the_manifest_show_obsolete_and_stay_until_removed() {
    let (site, _data, manager, document) = installed_catalogue().await;
    let handle = manager.handle();
    let folder = document.app(APP).unwrap().container.join("Music");
    assert!(folder.exists());

    let next: Vec<Spec> = catalogue()
        .into_iter()
        .filter(|s| s.id != "Music")
        .collect();
    site.publish(&next);
    let answer = handle.check_updates(None).await.unwrap();
    assert_eq!(answer.removed[0].pack, "Music", "{answer:?}");
    let document = handle.status().await.unwrap();
    let music = pack(&document, "Music");
    assert!(music.flags.obsolete && music.flags.downloaded, "{music:?}");
    assert!(music.reason.contains("obsolete"), "{music:?}");
    assert!(
        folder.exists(),
        "an obsolete pack's files stay until it is removed"
    );

    let freed = call_json(
        &handle,
        Request::Remove {
            app: APP.into(),
            pack: "Music".into(),
        },
    )
    .await;
    assert!(freed.as_u64().unwrap() > 0, "{freed}");
    assert!(!folder.exists());
    let document = handle.status().await.unwrap();
    assert!(!pack(&document, "Music").flags.downloaded);
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_demand_packs_install_when_asked_and_remove_frees_them() {
    let (_site, _data, manager, _) = installed_catalogue().await;
    let handle = manager.handle();

    let view = handle.ensure_installed(APP, "Bonus").await.unwrap();
    assert!(view.flags.up_to_date);
    let path = handle
        .file_path(APP, "Bonus", "Bonus/data.bin")
        .await
        .unwrap();
    assert_eq!(std::fs::read(path).unwrap().len(), 70_000);
    let missing = handle
        .call(Request::FilePath {
            app: APP.into(),
            pack: "Bonus".into(),
            path: "nope.bin".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(missing.kind, bgassets::model::ErrorKind::FileNotFound);
    let unknown = handle
        .call(Request::Ensure {
            app: APP.into(),
            pack: "Nope".into(),
            require_latest: false,
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.kind, bgassets::model::ErrorKind::AssetPackNotFound);

    let freed = handle.remove(APP, "Bonus").await.unwrap();
    assert_eq!(freed, 70_000);
    let document = handle.status().await.unwrap();
    assert!(pack(&document, "Bonus").flags.download_available);
    let view = handle.ensure_installed(APP, "Bonus").await.unwrap();
    assert!(view.flags.up_to_date, "an on-demand pack can come back");
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_manager_resumes_mid_download_and_keeps_what_is_installed() {
    let specs = vec![
        Spec::new("Tutorial", ESSENTIAL, 100_000),
        Spec::new("Music", PREFETCH, 3_000_000),
    ];
    let site = Site::start(&specs, Faults::default().rate(2_000_000)).await;
    let data = tempfile::tempdir().unwrap();
    let first = manager(data.path()).await;
    let handle = first.handle();
    call(
        &handle,
        Request::Register {
            path: plist(data.path(), &site.server.manifest_url(), "100", ""),
        },
    )
    .await;
    until(&handle, "Music under way", |d| {
        d.pack(APP, "Music")
            .is_some_and(|p| p.progress.bytes_done > 500_000)
            && pack(d, "Tutorial").flags.up_to_date
    })
    .await;
    first.shutdown().await;

    site.server.set_faults(Faults::default()).unwrap();
    let second = manager(data.path()).await;
    let handle = second.handle();
    let document = until(&handle, "resumed and installed", settled).await;
    assert!(
        pack(&document, "Tutorial").flags.up_to_date,
        "still installed after the restart"
    );
    assert!(pack(&document, "Music").flags.up_to_date);
    let ranges: Vec<_> = site
        .server
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("Music"))
        .map(|r| r.status)
        .collect();
    assert_eq!(
        ranges.last(),
        Some(&206),
        "resumed with a range: {ranges:?}"
    );
    second.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_manager_on_the_same_data_dir_refuses_to_start() {
    let data = tempfile::tempdir().unwrap();
    let first = manager(data.path()).await;
    let config = bgassets::manager::ManagerConfig::new(bgassets::store::Paths::under(data.path()));
    let error = bgassets::manager::Manager::start(config)
        .await
        .err()
        .expect("refused");
    assert!(error.to_string().contains("already running"), "{error}");
    first.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_uses_the_client_api_over_the_socket_of_a_real_manager() {
    use bgassets::client::{AssetPackManager, ClientError};
    let site = Site::start(&catalogue(), Faults::default()).await;
    let data = tempfile::tempdir().unwrap();
    let manager = manager(data.path()).await;
    let paths = bgassets::store::Paths::under(data.path());
    let server = bgassets::ipc::SocketServer::bind(paths.socket_path()).unwrap();
    let stop = tokio_util::sync::CancellationToken::new();
    let serving = tokio::spawn(server.serve(manager.handle(), stop.clone()));
    call(
        &manager.handle(),
        Request::Register {
            path: plist(data.path(), &site.server.manifest_url(), "100", ""),
        },
    )
    .await;

    let client = AssetPackManager::connect(paths.socket_path(), APP)
        .await
        .unwrap();
    let packs = client.all_asset_packs().await.unwrap();
    assert_eq!(packs.len(), 5);
    assert!(
        !client
            .asset_pack_is_available_locally("Bonus")
            .await
            .unwrap()
    );
    let mut updates = client.status_updates("Bonus").await.unwrap();
    client
        .ensure_local_availability("Bonus", true)
        .await
        .unwrap();
    assert!(
        client
            .asset_pack_is_available_locally("Bonus")
            .await
            .unwrap()
    );
    let first = tokio::time::timeout(std::time::Duration::from_secs(5), updates.next())
        .await
        .unwrap();
    assert!(first.is_some(), "status updates arrive");
    let bytes = client
        .contents("Bonus/data.bin", Some("Bonus"))
        .await
        .unwrap();
    assert_eq!(bytes.len(), 70_000);
    match client.contents("nope.bin", Some("Bonus")).await {
        Err(ClientError::FileNotFound { .. }) => {}
        other => panic!("{other:?}"),
    }
    match client.ensure_local_availability("Nope", false).await {
        Err(ClientError::AssetPackNotFound { .. }) => {}
        other => panic!("{other:?}"),
    }
    client.remove("Bonus").await.unwrap();
    assert!(
        !client
            .asset_pack_is_available_locally("Bonus")
            .await
            .unwrap()
    );
    stop.cancel();
    let _ = serving.await;
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_dropped_into_the_watched_folder_is_registered() {
    let site = Site::start(&catalogue(), Faults::default()).await;
    let data = tempfile::tempdir().unwrap();
    let paths = bgassets::store::Paths::under(data.path());
    let mut config = bgassets::manager::ManagerConfig::new(paths.clone());
    config.watch_interval = std::time::Duration::from_millis(200);
    let manager = bgassets::manager::Manager::start(config).await.unwrap();
    let handle = manager.handle();
    // An app folder (`Game-100.app/Contents/Info.plist`) appears in `config/apps/`.
    let staged = tempfile::tempdir().unwrap();
    let plist = plist(staged.path(), &site.server.manifest_url(), "100", "");
    let app_folder = plist.parent().unwrap().parent().unwrap();
    std::fs::rename(app_folder, paths.apps_dir().join("Game.app")).unwrap();
    let document = until(&handle, "registered from the watched folder", settled).await;
    let app = document.app(APP).unwrap();
    assert!(
        app.source
            .starts_with(paths.apps_dir().canonicalize().unwrap()),
        "{}",
        app.source.display()
    );
    assert!(pack(&document, "Tutorial").flags.up_to_date);
    manager.shutdown().await;
}

/// Guards the watched-folder scan's memory (issue 15): an unchanged Info.plist is not read
/// again, but one rewritten in place (same size, a later modification time) is, and its new
/// version registered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_updated_in_place_in_the_watched_folder_is_registered_again() {
    let site = Site::start(&catalogue(), Faults::default()).await;
    let data = tempfile::tempdir().unwrap();
    let paths = bgassets::store::Paths::under(data.path());
    let mut config = bgassets::manager::ManagerConfig::new(paths.clone());
    config.watch_interval = std::time::Duration::from_millis(200);
    let manager = bgassets::manager::Manager::start(config).await.unwrap();
    let handle = manager.handle();
    let in_folder = paths.apps_dir().join("Game.app/Contents/Info.plist");
    let url = site.server.manifest_url();
    app_plist(in_folder.clone(), APP, &url, "100", "");
    until(&handle, "version 100 registered", |d| {
        d.app(APP).is_some_and(|a| a.bundle_version == "100")
    })
    .await;
    // Several scans go by with the plist unchanged, then it is rewritten at the same size.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    app_plist(in_folder, APP, &url, "101", "");
    let document = until(&handle, "version 101 registered", |d| {
        d.app(APP).is_some_and(|a| a.bundle_version == "101")
    })
    .await;
    assert_eq!(document.apps.len(), 1, "the same app, updated");
    manager.shutdown().await;
}
