//! Delta updates against a hostile archive host and a slow one (found by a hostile review): a
//! folder only the new archive's unverified central directory names is never installed (the
//! whole archive, whose digest the manifest pins, is fetched instead and refused), and shutting
//! down stops a delta that is still fetching instead of waiting for it.

use std::time::{Duration, Instant};

use bgassets::manager::Manager;
use bgassets::manager::event::ManagerEventKind;
use bgassets::manager::view::StatusDocument;
use bgassets::server::Faults;

use crate::support::faults::FaultsExt as _;
use crate::support::manager::*;

use crate::delta_update::{installed, update_to_v2, version};

/// v1 installed; returns the site, data dir, manager and the status then.
async fn v1() -> (Site, tempfile::TempDir, Manager, StatusDocument) {
    let (site, data, manager) = registered(&[version(1)], Faults::default()).await;
    let document = until(&manager.handle(), "v1 installed", |d| {
        d.pack(APP, "Levels")
            .is_some_and(|p| p.installed_version == Some(1))
    })
    .await;
    (site, data, manager, document)
}

/// The archive host (not the manifest's author: the manifest, its `downloadSize`, `sha256` and
/// file list are untouched) renames, in the new archive's central directory only, the record of
/// `.bgassets/pack.json` to a folder name of the same length. The archive keeps its size; its
/// SHA-256 no longer matches the manifest, so a full install refuses it. A delta never fetches
/// the pack manifest's entry, and takes the archive's folder entries from the unverified
/// central directory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folder_named_only_by_the_unverified_central_directory_is_never_installed() {
    let inject = |site: &Site| {
        let path = site.root().join("packs/Levels-2.zip");
        let mut archive = std::fs::read(&path).unwrap();
        let (name, injected) = (b".bgassets/pack.json", b"Levels/zzzzzzzzzzz/");
        assert_eq!(name.len(), injected.len());
        let at = (0..archive.len() - 46 - name.len())
            .find(|&i| {
                archive[i..].starts_with(b"PK\x01\x02") && archive[i + 46..].starts_with(name)
            })
            .expect("the pack manifest's central directory record");
        archive[at + 46..at + 46 + name.len()].copy_from_slice(injected);
        std::fs::write(&path, &archive).unwrap();
    };
    let (_site, manager, events, document, _data) =
        update_to_v2(Faults::default(), |_| {}, inject).await;
    let levels = pack(&document, "Levels");
    let folder = installed(&document).join("Levels/zzzzzzzzzzz");
    let deltas: Vec<_> = events
        .iter()
        .filter(|e| matches!(e.kind, ManagerEventKind::Delta { .. }))
        .collect();
    assert!(
        !folder.exists(),
        "the delta installed a folder no verified byte names ({}); events: {deltas:#?}",
        folder.display(),
    );
    // The delta gave up, naming the folder; the whole archive was refused by its digest, and
    // version 1 stays.
    assert!(
        deltas.iter().any(|e| matches!(&e.kind,
            ManagerEventKind::Delta { detail, fell_back: true } if detail.contains("zzzzzzzzzzz"))),
        "{deltas:#?}"
    );
    assert_eq!(levels.installed_version, Some(1));
    manager.shutdown().await;
}

/// The regression this guards: shutting down while a delta fetched from a slow origin waited for
/// its fetches (40 s here; without end for a server trickling bytes inside the idle limit). A
/// delta stopped swaps nothing in and is tried again at the next start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_stops_a_delta_fetching_from_a_slow_origin() {
    let (site, _data, manager, _) = v1().await;
    site.publish(&[version(2)]);
    site.server
        .set_faults(Faults::default().rate(4_000))
        .unwrap();
    let handle = manager.handle();
    let mut events = handle.subscribe();
    handle.check_updates(Some(APP)).await.unwrap();
    events_until(&mut events, |e| {
        matches!(
            &e.kind,
            ManagerEventKind::Delta {
                fell_back: false,
                ..
            }
        )
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let started = Instant::now();
    let stopped = tokio::time::timeout(Duration::from_secs(10), manager.shutdown()).await;
    assert!(
        stopped.is_ok(),
        "shutdown still waiting after {:?} (the delta at 4,000 bytes/s needs ~25 s more)",
        started.elapsed()
    );
}
