//! Delta updates (issue 15) end to end: a real packager builds v1 and v2 of a pack, the mock
//! server serves them and counts every byte it sends, and a real manager updates the app. Only
//! the changed files' bytes travel; the result is byte-identical to a full install; an origin
//! ignoring `Range`, a tampered entry, a damaged installed file and a hostile file list each
//! get the whole archive (or an honest failure), never an unverified byte.

use std::path::{Path, PathBuf};

use bgassets::manager::Manager;
use bgassets::manager::event::{ManagerEvent, ManagerEventKind};
use bgassets::manager::view::StatusDocument;
use bgassets::model::Sha256Digest;
use bgassets::server::Faults;

use crate::support::faults::FaultsExt as _;

use crate::support::manager::*;

const FILES: usize = 20;
const SIZE: usize = 40_000;
/// The files v2 changes.
const CHANGED: [usize; 2] = [3, 11];

pub(crate) fn version(v: u64) -> Spec {
    let mut spec = Spec::new("Levels", PREFETCH, 1).version(v);
    spec.files = (0..FILES)
        .map(|i| {
            let seed = if v == 2 && CHANGED.contains(&i) {
                100 + i
            } else {
                i
            };
            (format!("Levels/f{i:02}.bin"), bytes(SIZE, seed as u8))
        })
        .collect();
    spec
}

fn archive(site: &Site, v: u64) -> PathBuf {
    site.root().join(format!("packs/Levels-{v}.zip"))
}

/// The installed pack's folder.
pub(crate) fn installed(document: &StatusDocument) -> PathBuf {
    document.app(APP).unwrap().container.join("Levels")
}

/// Every file under `root`, relative, with its bytes.
fn tree(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut found = Vec::new();
    let mut stack = vec![root.canonicalize().unwrap()];
    let base = stack[0].clone();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path
                    .strip_prefix(&base)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                found.push((name, std::fs::read(&path).unwrap()));
            }
        }
    }
    found.sort();
    found
}

/// Every path under `root` (symlinks not followed).
fn names_under(root: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                stack.push(entry.path());
            }
            found.push(entry.path().to_string_lossy().into_owned());
        }
    }
    found
}

/// v1 installed by the manager; the site then offers `v2` (changed by `tamper` before the
/// manager looks), and the manager is asked to check for updates. Returns the events up to
/// the pack's install of v2 or its failure, and the status then.
pub(crate) async fn update_to_v2(
    faults_after_v1: Faults,
    damage: impl FnOnce(&Path),
    tamper: impl FnOnce(&Site),
) -> (
    Site,
    Manager,
    Vec<ManagerEvent>,
    StatusDocument,
    tempfile::TempDir,
) {
    let (site, data, manager) = registered(&[version(1)], Faults::default()).await;
    let handle = manager.handle();
    let document = until(&handle, "v1 installed", |d| {
        d.pack(APP, "Levels")
            .is_some_and(|p| p.installed_version == Some(1))
    })
    .await;
    damage(&installed(&document));
    site.publish(&[version(2)]);
    tamper(&site);
    site.server.set_faults(faults_after_v1).unwrap();
    site.server.clear_requests();
    let mut events = handle.subscribe();
    handle.check_updates(Some(APP)).await.unwrap();
    let seen = events_until(&mut events, |e| {
        e.pack.as_deref() == Some("Levels")
            && (matches!(e.kind, ManagerEventKind::Installed { version: 2 })
                || is(&e.kind, "status") && format!("{:?}", e.kind).contains("Failed"))
    })
    .await;
    let document = handle.status().await.unwrap();
    (site, manager, seen, document, data)
}

/// The details of the pack's delta events, and whether each fell back.
fn deltas(events: &[ManagerEvent]) -> Vec<(String, bool)> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            ManagerEventKind::Delta { detail, fell_back } => Some((detail.clone(), *fell_back)),
            _ => None,
        })
        .collect()
}

/// Body bytes the server sent for `path`, and the statuses it answered.
fn served(site: &Site, path: &str) -> (u64, Vec<u16>) {
    let records: Vec<_> = site
        .server
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with(path))
        .collect();
    (
        records.iter().map(|r| r.bytes_sent).sum(),
        records.iter().map(|r| r.status).collect(),
    )
}

/// v2 installed from its whole archive by the installer, for comparison.
fn full_install(site: &Site) -> Vec<(String, Vec<u8>)> {
    let container = tempfile::tempdir().unwrap();
    let archive = archive(site, 2);
    bgassets::install::install(&bgassets::install::InstallRequest {
        archive: &archive,
        container: container.path(),
        folder: "Levels",
        max_install_size: u64::MAX,
    })
    .unwrap();
    tree(&container.path().join("Levels"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_fetches_only_the_changed_files_and_installs_what_a_full_install_would() {
    let (site, manager, events, document, _data) =
        update_to_v2(Faults::default(), |_| {}, |_| {}).await;
    let deltas = deltas(&events);
    assert!(
        deltas
            .iter()
            .any(|(d, back)| !back && d.contains("2 files fetched") && d.contains("reused 18")),
        "{deltas:?}"
    );
    let size = std::fs::metadata(archive(&site, 2)).unwrap().len();
    let (sent, statuses) = served(&site, "Levels-2.zip");
    assert!(statuses.iter().all(|s| *s == 206), "{statuses:?}");
    assert!(
        sent < size / 4 && sent >= (CHANGED.len() * SIZE) as u64,
        "{sent} bytes of the {size}-byte archive were sent"
    );
    assert_eq!(served(&site, "Levels-2.files.json").1, [200]);
    assert_eq!(tree(&installed(&document)), full_install(&site));
    assert_eq!(pack(&document, "Levels").installed_version, Some(2));
    let left: Vec<String> = names_under(_data.path())
        .into_iter()
        .filter(|name| name.ends_with(".delta") || name.contains(".staging/"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_origin_that_ignores_range_gets_the_whole_archive_downloaded() {
    let (site, manager, events, document, _data) =
        update_to_v2(Faults::default().ignore_range(), |_| {}, |_| {}).await;
    let deltas = deltas(&events);
    assert!(
        deltas
            .iter()
            .any(|(d, back)| *back && d.contains("ignores Range")),
        "{deltas:?}"
    );
    let (_, statuses) = served(&site, "Levels-2.zip");
    assert!(statuses.contains(&200), "{statuses:?}");
    assert_eq!(tree(&installed(&document)), full_install(&site));
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_changed_entry_is_never_installed() {
    let tamper = |site: &Site| {
        let path = archive(site, 2);
        let header = {
            let zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
            let index = zip.index_for_name("Levels/f03.bin").unwrap();
            zip.by_index_data(index).unwrap().header_start() as usize
        };
        let mut bytes = std::fs::read(&path).unwrap();
        let field = |at: usize| usize::from(u16::from_le_bytes([bytes[at], bytes[at + 1]]));
        let data = header + 30 + field(header + 26) + field(header + 28);
        bytes[data + 100] ^= 0xFF;
        std::fs::write(&path, bytes).unwrap();
    };
    let (_site, manager, events, document, _data) =
        update_to_v2(Faults::default(), |_| {}, tamper).await;
    let deltas = deltas(&events);
    assert!(
        deltas.iter().any(|(d, back)| *back
            && d.contains("Levels/f03.bin")
            && d.contains("nothing of it was installed")),
        "{deltas:?}"
    );
    // The whole archive then fails its SHA-256: the pack fails, v1 stays whole.
    let levels = pack(&document, "Levels");
    assert!(levels.activity.is_failed(), "{levels:?}");
    assert_eq!(levels.installed_version, Some(1));
    assert_eq!(tree(&installed(&document)), version(1).files);
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_installed_file_is_fetched_not_reused() {
    let damage = |folder: &Path| {
        let file = folder.join("Levels/f05.bin");
        let mut bytes = std::fs::read(&file).unwrap();
        bytes[7] ^= 1;
        std::fs::write(&file, bytes).unwrap();
    };
    let (site, manager, events, document, _data) =
        update_to_v2(Faults::default(), damage, |_| {}).await;
    let deltas = deltas(&events);
    assert!(
        deltas
            .iter()
            .any(|(d, back)| !back && d.contains("3 files fetched") && d.contains("reused 17")),
        "{deltas:?}"
    );
    assert_eq!(tree(&installed(&document)), full_install(&site));
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn installed_files_found_damaged_past_half_stop_the_delta_for_the_whole_archive() {
    // The damaged files keep their sizes: only hashing them finds them out, one by one, and
    // past half of the bytes the delta is no longer worth it.
    let damage = |folder: &Path| {
        for i in 0..12 {
            let file = folder.join(format!("Levels/f{i:02}.bin"));
            let mut bytes = std::fs::read(&file).unwrap();
            bytes[7] ^= 1;
            std::fs::write(&file, bytes).unwrap();
        }
    };
    let (site, manager, events, document, data) =
        update_to_v2(Faults::default(), damage, |_| {}).await;
    let deltas = deltas(&events);
    assert!(
        deltas
            .iter()
            .any(|(d, back)| *back && d.contains("more than 50%")),
        "{deltas:?}"
    );
    let (_, statuses) = served(&site, "Levels-2.zip");
    assert!(statuses.contains(&200), "the whole archive: {statuses:?}");
    assert_eq!(pack(&document, "Levels").installed_version, Some(2));
    assert_eq!(tree(&installed(&document)), full_install(&site));
    let left: Vec<String> = names_under(data.path())
        .into_iter()
        .filter(|name| name.ends_with(".delta") || name.contains(".staging/"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    manager.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_file_list_is_refused_naming_its_url() {
    let hostile = |site: &Site| {
        let list = site.root().join("packs/Levels-2.files.json");
        let text = r#"{"formatVersion": 1, "files": [
            {"path": "../evil", "size": 1, "sha256": "0000000000000000000000000000000000000000000000000000000000000000"}]}"#;
        std::fs::write(&list, text).unwrap();
        let manifest_path = site.root().join("manifest.json");
        let mut manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
        let files = &mut manifest["assetPacks"][0]["files"];
        files["size"] = text.len().into();
        files["sha256"] = Sha256Digest::of(text.as_bytes()).to_hex().into();
        std::fs::write(&manifest_path, manifest.to_string()).unwrap();
    };
    let (site, manager, events, document, _data) =
        update_to_v2(Faults::default(), |_| {}, hostile).await;
    let deltas = deltas(&events);
    assert!(
        deltas.iter().any(|(d, back)| *back
            && d.contains("/packs/Levels-2.files.json")
            && d.contains("files[0].path")
            && d.contains("../evil")),
        "{deltas:?}"
    );
    assert_eq!(tree(&installed(&document)), full_install(&site));
    manager.shutdown().await;
}

#[test]
fn pack_index_publishes_each_archives_file_list_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    build_site(dir.path(), &[version(2)]);
    let site = dir.path().join("site");
    let text = std::fs::read_to_string(site.join("manifest.json")).unwrap();
    let manifest = bgassets::model::ServerManifest::parse("manifest.json", &text).unwrap();
    let files = manifest.asset_packs[0].files.clone().expect("a file list");
    assert_eq!(files.url, "packs/Levels-2.files.json");
    let bytes = std::fs::read(site.join(&files.url)).unwrap();
    assert_eq!(
        (bytes.len() as u64, Sha256Digest::of(&bytes)),
        (files.size, files.sha256)
    );
    let list = bgassets::patch::list::FileList::parse(&files.url, &bytes, u64::MAX).unwrap();
    let expected: Vec<(String, u64, Sha256Digest)> = version(2)
        .files
        .iter()
        .map(|(name, data)| (name.clone(), data.len() as u64, Sha256Digest::of(data)))
        .collect();
    let listed: Vec<(String, u64, Sha256Digest)> = list
        .files
        .into_iter()
        .map(|f| (f.path, f.size, f.sha256))
        .collect();
    assert_eq!(listed, expected);
}

/// `bgassets sync` on a data dir that already holds the app once returned at once with the
/// state of the earlier run (its manifest check), before this run's check listed v2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_on_a_data_dir_holding_the_app_waits_for_this_runs_manifest_and_updates_by_delta() {
    let site = Site::start(&[version(1)], Faults::default()).await;
    let work = tempfile::tempdir().unwrap();
    let plist = plist(work.path(), &site.server.manifest_url(), "1", "");
    let data = work.path().join("data");
    let sync = || {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_bgassets"))
            .args(["--data-dir", data.to_str().unwrap(), "sync", "--json"])
            .arg(&plist)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        report["packs"][0]["version"].clone()
    };
    assert_eq!(sync(), 1);
    site.publish(&[version(2)]);
    site.server.clear_requests();
    assert_eq!(sync(), 2);
    let (sent, statuses) = served(&site, "Levels-2.zip");
    assert!(statuses.iter().all(|s| *s == 206), "{statuses:?}");
    let size = std::fs::metadata(archive(&site, 2)).unwrap().len();
    assert!(sent < size / 4, "{sent} of {size} bytes");
}
