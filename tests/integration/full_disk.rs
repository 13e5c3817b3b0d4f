//! A full disk under the managed layer: the manager's whole data dir lives on a small tmpfs.
//! A pack whose download, or an update whose install, runs out of space ends `diskFull`; what
//! is installed stays byte-identical, the state file still loads, and the pack completes by
//! itself once space is freed. A canary beside the data dir stays as it was. (Mounting needs
//! root; where it is refused each test prints why and is skipped.)

use bgassets::manager::api::Request;
use bgassets::manager::view::StatusDocument;
use bgassets::model::{Activity, ErrorKind};
use bgassets::server::Faults;

use crate::support::canary::{assert_canary, canary};
use crate::support::faults::FaultsExt;
use crate::support::manager::*;
use crate::support::small_disk::{SmallDisk, snapshot};

const MB: usize = 1_000_000;

fn disk_full(document: &StatusDocument, id: &str) -> bool {
    matches!(&pack(document, id).activity, Activity::Failed { error } if error.kind == ErrorKind::DiskFull)
}

/// The one container in `data`.
fn container(data: &std::path::Path) -> std::path::PathBuf {
    std::fs::read_dir(data.join("containers"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path()
}

/// The files of `spec`, as installed under its folder.
fn files_of(spec: &Spec) -> std::collections::BTreeMap<std::path::PathBuf, Vec<u8>> {
    spec.files
        .iter()
        .map(|(name, data)| (name.into(), data.clone()))
        .collect()
}

fn state_loads(data: &std::path::Path) {
    let text = std::fs::read_to_string(data.join("state.json")).unwrap();
    bgassets::manager::state::parse(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_that_fills_the_disk_ends_disk_full_and_completes_once_space_is_freed() {
    let Some(disk) = SmallDisk::mount("24m") else {
        return;
    };
    let base = Spec::new("Base", ESSENTIAL, 3 * MB);
    let extra = Spec::new("Extra", ON_DEMAND, 6 * MB);
    let faults = Faults::default().rate(6_000_000);
    let site = Site::start(&[base.clone(), extra.clone()], faults).await;
    let data = disk.path.join("data");
    let beside = canary(&data);
    let manager = manager(&data).await;
    let handle = manager.handle();
    let path = plist(&disk.path, &site.server.manifest_url(), "1", "");
    call(&handle, Request::Register { path }).await;
    until(&handle, "Base installed", settled).await;
    let installed = snapshot(&container(&data).join("Base"));
    assert_eq!(installed, files_of(&base));

    call(
        &handle,
        Request::Ensure {
            app: APP.into(),
            pack: "Extra".into(),
            require_latest: true,
        },
    )
    .await;
    until(&handle, "Extra downloading", |d| {
        pack(d, "Extra")
            .activity
            .progress()
            .is_some_and(|p| p.bytes_done > 1_000_000)
    })
    .await;
    let filler = disk.fill_leaving(200_000);
    let document = until(&handle, "Extra diskFull", |d| disk_full(d, "Extra")).await;
    let Activity::Failed { error } = &pack(&document, "Extra").activity else {
        unreachable!()
    };
    assert!(
        error.message.contains("Extra@1.zip"),
        "names the file: {error:?}"
    );
    eprintln!("Extra: {:?}: {}", error.kind, error.message);
    assert_eq!(
        snapshot(&container(&data).join("Base")),
        installed,
        "Base is untouched"
    );
    state_loads(&data);

    std::fs::remove_file(&filler).unwrap();
    let freed = std::time::Instant::now();
    let document = until(&handle, "Extra installed", |d| {
        pack(d, "Extra").flags.up_to_date
    })
    .await;
    let seconds = freed.elapsed().as_secs_f64();
    eprintln!("Extra installed {seconds:.1} s after space was freed");
    assert_eq!(pack(&document, "Extra").installed_version, Some(1));
    assert_eq!(snapshot(&container(&data).join("Extra")), files_of(&extra));
    let requests: Vec<_> = site
        .server
        .requests()
        .into_iter()
        .filter(|r| r.path.contains("Extra"))
        .collect();
    assert_eq!(
        requests.last().map(|r| r.status),
        Some(206),
        "resumed, not restarted: {requests:?}"
    );
    manager.shutdown().await;
    state_loads(&data);
    assert_canary(&beside);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_whose_install_fills_the_disk_keeps_the_old_version_and_completes_once_space_is_freed()
 {
    let Some(disk) = SmallDisk::mount("24m") else {
        return;
    };
    let v1 = Spec::new("Base", ESSENTIAL, 4 * MB);
    let site = Site::start(std::slice::from_ref(&v1), Faults::default()).await;
    let data = disk.path.join("data");
    let beside = canary(&data);
    let manager = manager(&data).await;
    let handle = manager.handle();
    let path = plist(&disk.path, &site.server.manifest_url(), "1", "");
    call(&handle, Request::Register { path }).await;
    until(&handle, "v1 installed", settled).await;
    let installed = snapshot(&container(&data).join("Base"));
    assert_eq!(installed, files_of(&v1));

    // Room for the download of version 2 but not for its files as well.
    let v2 = v1.clone().version(2);
    site.publish(std::slice::from_ref(&v2));
    let filler = disk.fill_leaving(6 * MB as u64);
    call(
        &handle,
        Request::CheckUpdates {
            app: Some(APP.into()),
        },
    )
    .await;
    let document = until(&handle, "the update diskFull", |d| disk_full(d, "Base")).await;
    if let Activity::Failed { error } = &pack(&document, "Base").activity {
        eprintln!("Base v2: {:?}: {}", error.kind, error.message);
    }
    assert_eq!(pack(&document, "Base").installed_version, Some(1));
    assert_eq!(
        snapshot(&container(&data).join("Base")),
        installed,
        "version 1 is untouched"
    );
    let staged = std::fs::read_dir(container(&data).join(".staging")).map_or(0, |e| e.count());
    assert_eq!(staged, 0, "no half-extracted files are kept");
    state_loads(&data);

    std::fs::remove_file(&filler).unwrap();
    let freed = std::time::Instant::now();
    let document = until(&handle, "v2 installed", |d| {
        pack(d, "Base").installed_version == Some(2) && !pack(d, "Base").activity.is_in_progress()
    })
    .await;
    let seconds = freed.elapsed().as_secs_f64();
    eprintln!("Base v2 installed {seconds:.1} s after space was freed");
    assert!(pack(&document, "Base").flags.up_to_date);
    assert_eq!(snapshot(&container(&data).join("Base")), files_of(&v2));
    manager.shutdown().await;
    state_loads(&data);
    assert_canary(&beside);
}
