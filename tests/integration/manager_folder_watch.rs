//! The watched folders by change notification (issue 15, idle CPU 0%): a manager whose scan
//! timer never fires (an hour) still registers an app that lands in a watched folder, one copied
//! in steps (the bundle folder first, its Info.plist later), and an Info.plist rewritten in
//! place; it wakes for none of this on a timer.

use std::time::Duration;

use bgassets::server::Faults;

use crate::support::manager::*;

fn catalogue() -> Vec<Spec> {
    vec![Spec::new("Tutorial", ESSENTIAL, 40_000)]
}

/// A manager over a fresh data dir whose watched-folder timer is an hour.
async fn manager_without_timer() -> (
    Site,
    tempfile::TempDir,
    bgassets::store::Paths,
    bgassets::manager::Manager,
) {
    manager_with_timer(Duration::from_secs(3600)).await
}

/// A manager over a fresh data dir whose watched-folder timer is `every`.
async fn manager_with_timer(
    every: Duration,
) -> (
    Site,
    tempfile::TempDir,
    bgassets::store::Paths,
    bgassets::manager::Manager,
) {
    let site = Site::start(&catalogue(), Faults::default()).await;
    let data = tempfile::tempdir().unwrap();
    let paths = bgassets::store::Paths::under(data.path());
    let mut config = bgassets::manager::ManagerConfig::new(paths.clone());
    config.watch_interval = every;
    std::fs::create_dir_all(paths.apps_dir()).unwrap();
    let manager = bgassets::manager::Manager::start(config).await.unwrap();
    (site, data, paths, manager)
}

/// A `Game-100.app` bundle made in a temporary folder (kept alive by the caller), ready to move.
fn staged_bundle(site: &Site) -> (tempfile::TempDir, std::path::PathBuf) {
    let staged = tempfile::tempdir().unwrap();
    let plist = plist(staged.path(), &site.server.manifest_url(), "100", "");
    let bundle = plist.parent().unwrap().parent().unwrap().to_path_buf();
    (staged, bundle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_moved_into_a_watched_folder_is_registered_without_a_timed_scan() {
    let (site, _data, paths, manager) = manager_without_timer().await;
    let handle = manager.handle();
    let (_staged, bundle) = staged_bundle(&site);
    std::fs::create_dir_all(paths.apps_dir()).unwrap();
    std::fs::rename(bundle, paths.apps_dir().join("Game.app")).unwrap();
    until(&handle, "registered by notification", |d| {
        d.app(APP).is_some_and(|a| a.bundle_version == "100")
    })
    .await;
    // Rewritten in place (same size, later modification time): read again, new version.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let in_folder = paths.apps_dir().join("Game.app/Contents/Info.plist");
    app_plist(in_folder, APP, &site.server.manifest_url(), "101", "");
    let document = until(&handle, "version 101 registered by notification", |d| {
        d.app(APP).is_some_and(|a| a.bundle_version == "101")
    })
    .await;
    assert_eq!(document.apps.len(), 1);
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_copied_in_steps_into_a_watched_folder_is_registered_once_complete() {
    let (site, _data, paths, manager) = manager_without_timer().await;
    let handle = manager.handle();
    std::fs::create_dir_all(paths.apps_dir()).unwrap();
    // The bundle's folder lands first and a scan finds no Info.plist in it; then `Contents`,
    // then the plist, each after the scan the one before caused.
    let bundle = paths.apps_dir().join("Game.app");
    std::fs::create_dir(&bundle).unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    std::fs::create_dir(bundle.join("Contents")).unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(handle.status().await.unwrap().app(APP).is_none());
    app_plist(
        bundle.join("Contents/Info.plist"),
        APP,
        &site.server.manifest_url(),
        "100",
        "",
    );
    until(&handle, "registered once its plist landed", |d| {
        d.app(APP).is_some()
    })
    .await;
    manager.shutdown().await;
}

/// Guards the watch set against going stale: the platform drops the watch of a folder deleted,
/// and one made again under the same name at once (before the next scan) must be watched anew.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watched_folder_deleted_and_made_again_at_once_is_still_watched() {
    let (site, _data, paths, manager) = manager_without_timer().await;
    let handle = manager.handle();
    tokio::time::sleep(Duration::from_millis(400)).await;
    std::fs::remove_dir_all(paths.apps_dir()).unwrap();
    std::fs::create_dir(paths.apps_dir()).unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    let (_staged, bundle) = staged_bundle(&site);
    std::fs::rename(bundle, paths.apps_dir().join("Game.app")).unwrap();
    until(&handle, "registered in the folder made again", |d| {
        d.app(APP).is_some()
    })
    .await;
    manager.shutdown().await;
}

/// Guards a watched folder that is missing: it cannot be watched, so the timer scans until it
/// exists (a missing folder once counted as watched, and was never looked at again).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watched_folder_that_goes_missing_is_found_again_by_the_timer() {
    let (site, _data, paths, manager) = manager_with_timer(Duration::from_millis(300)).await;
    let handle = manager.handle();
    tokio::time::sleep(Duration::from_millis(400)).await;
    std::fs::remove_dir_all(paths.apps_dir()).unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    // Made again from a folder renamed into place (no event reaches a folder never watched).
    let (staged, bundle) = staged_bundle(&site);
    let made = staged.path().join("apps");
    std::fs::create_dir(&made).unwrap();
    std::fs::rename(bundle, made.join("Game.app")).unwrap();
    std::fs::rename(&made, paths.apps_dir()).unwrap();
    until(&handle, "registered once the folder was back", |d| {
        d.app(APP).is_some()
    })
    .await;
    manager.shutdown().await;
}
