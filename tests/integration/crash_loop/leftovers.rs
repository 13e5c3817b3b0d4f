//! The start-up sweep: what crashes left in containers, downloads and the engine's queue goes;
//! a user's files, and what a running process uses, stay.

use std::path::Path;
use std::time::{Duration, Instant};

use bgassets::server::Faults;

use crate::support::canary::*;
use crate::support::manager::*;
use crate::support::wait::{PATIENCE, wait_until_async};
use crate::support::write;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_start_up_sweep_deletes_what_crashes_left_and_keeps_the_users_files() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let beside = canary(&data);
    let c = data.join("containers").join("group.example.game");
    let (dead, alive) = (dead_pid(), std::process::id());
    let gone = [
        format!(".staging/Pack-11-{dead}"), // killed while extracting
        format!(".staging/Pack-12-{dead}"), // killed while swapping: a temporary link
        ".versions/Pack@1".to_string(),     // replaced, killed before it was deleted
        ".versions/Pack@3".to_string(),     // moved in, killed before it was linked
        ".versions/Orphan@4".to_string(),   // its pack's link is gone
        ".versions/Mine@1".to_string(),     // the user's folder is at its pack's place
    ];
    let kept = [
        format!(".staging/Pack-13-{alive}/x.bin"), // a running process's install
        ".staging/notes.txt".to_string(),
        ".versions/Pack@2/a.bin".to_string(), // the installed version
        ".versions/readme.txt".to_string(),
        "Mine/letter.txt".to_string(),
        "notes.txt".to_string(),
    ];
    write(&c.join(&gone[0]).join("half.bin"), b"half");
    std::fs::create_dir_all(c.join(".staging")).unwrap();
    std::os::unix::fs::symlink(".versions/Pack@9", c.join(&gone[1])).unwrap();
    for version in &gone[2..] {
        write(&c.join(version).join("a.bin"), b"old");
    }
    for file in &kept {
        write(&c.join(file), file.as_bytes());
    }
    std::os::unix::fs::symlink(".versions/Pack@2", c.join("Pack")).unwrap();
    let downloads = data.join("downloads").join("org.example.game");
    write(
        &downloads.join("Pack@1.zip.partial"),
        b"a retired version's partial",
    );
    write(&downloads.join("Pack@2.zip"), b"an installed archive");
    write(&downloads.join("keep.txt"), b"not an archive name");

    let manager = manager(&data).await;
    wait_until_async("swept", PATIENCE, || {
        gone.iter()
            .all(|g| !c.join(g).exists() && !c.join(g).is_symlink())
    })
    .await;
    manager.shutdown().await;
    for file in &kept {
        assert_eq!(
            std::fs::read(c.join(file)).unwrap(),
            file.as_bytes(),
            "{file}"
        );
    }
    assert_eq!(
        std::fs::read_link(c.join("Pack")).unwrap(),
        Path::new(".versions/Pack@2")
    );
    let left: Vec<_> = std::fs::read_dir(&downloads)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(left, ["keep.txt"]);
    assert_canary(&beside);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_download_whose_archive_a_crash_deleted_is_fetched_again_not_failed() {
    use bgassets::engine::{DownloadRequest, DownloadState, Engine, EngineConfig};
    use bgassets::manager::api::Request;
    let v1 = Spec::new("Bonus", ESSENTIAL, 50_000);
    let site = Site::start(std::slice::from_ref(&v1), Faults::default()).await;
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let first = manager(&data).await;
    let path = plist(work.path(), &site.server.manifest_url(), "1", "");
    call(&first.handle(), Request::Register { path }).await;
    until(&first.handle(), "v1 installed", settled).await;
    first.shutdown().await;

    // What a kill leaves when it comes after the install of version 2 used and deleted its
    // archive, but before the queue was saved without it or the state with version 2: the
    // engine's queue says finished, the archive is gone. (The id and archive path are the
    // manager's: `<app>/<pack>@<version>`, `downloads/<app>/<folder>@<version>.zip`.)
    let v2 = v1.clone().version(2);
    site.publish(std::slice::from_ref(&v2));
    let archive = data.join("downloads").join(APP).join("Bonus@2.zip");
    let engine = Engine::start(EngineConfig {
        state_file: Some(data.join("downloads.json")),
        ..EngineConfig::default()
    })
    .unwrap();
    let url = url::Url::parse(&site.server.url_of("packs/Bonus-2.zip")).unwrap();
    let id = format!("{APP}/Bonus@2");
    engine
        .handle()
        .enqueue(DownloadRequest::new(&id, url, &archive))
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while engine
        .handle()
        .snapshot()
        .await
        .unwrap()
        .get(&id)
        .unwrap()
        .state
        != DownloadState::Finished
    {
        assert!(Instant::now() < deadline, "the download did not finish");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    engine.shutdown().await;
    std::fs::remove_file(&archive).unwrap();

    let manager = manager(&data).await;
    let document = until(&manager.handle(), "v2 installed or failed", |d| {
        pack(d, "Bonus").installed_version == Some(2) || pack(d, "Bonus").activity.is_failed()
    })
    .await;
    assert_eq!(
        pack(&document, "Bonus").installed_version,
        Some(2),
        "{:?}",
        pack(&document, "Bonus")
    );
    let container = std::fs::read_dir(data.join("containers"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let file = &v2.files[0];
    assert_eq!(
        std::fs::read(container.join("Bonus").join(&file.0)).unwrap(),
        file.1
    );
    manager.shutdown().await;
}
