//! An install cancelled (its pack removed meanwhile) stops between entries and leaves nothing
//! but what it found: no staging folder, no version folder, the installed version untouched;
//! one still waiting for its folder (another install of it running) stops waiting.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use crate::support::install::{assert_no_staging, build_pack, listing};
use crate::support::random_bytes as noise;
use bgassets::install::{InstallError, InstallRequest, install, install_cancellable};
use bgassets::model::ErrorKind;

/// Installing `archive` as `container/folder`, up to 1 MiB.
fn to<'a>(archive: &'a Path, container: &'a Path, folder: &'a str) -> InstallRequest<'a> {
    InstallRequest {
        archive,
        container,
        folder,
        max_install_size: 1 << 20,
    }
}

#[test]
fn a_cancelled_install_leaves_nothing_but_what_it_found() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<(String, Vec<u8>)> = (0..50u64)
        .map(|i| (format!("Levels/{i}.bin"), noise(1000, i)))
        .collect();
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let v1 = build_pack(dir.path(), "Levels", 1, &refs);
    let v2 = build_pack(dir.path(), "Levels", 2, &refs);
    let container = dir.path().join("containers/app");
    let request = |archive| to(archive, &container, "Levels");

    // Nothing installed yet: a cancelled install leaves no container behind.
    let error = install_cancellable(&request(&v1), &AtomicBool::new(true)).unwrap_err();
    assert!(matches!(error, InstallError::Cancelled { .. }), "{error}");
    assert_eq!(error.kind(), ErrorKind::Cancelled);
    assert!(!container.exists(), "{:?}", listing(dir.path()));

    // An installed version stays exactly as it was.
    install(&request(&v1)).unwrap();
    let before = listing(&container);
    let error = install_cancellable(&request(&v2), &AtomicBool::new(true)).unwrap_err();
    assert!(error.to_string().contains("cancelled"), "{error}");
    assert_no_staging(&container);
    assert_eq!(listing(&container), before);
}

/// Two apps of one App Group share a container: the second install of a folder waits for the
/// first, which may be a delta update fetching changed files for minutes. The manager's actor
/// waits for a cancelled install to stop, so the wait itself must end when it is cancelled.
#[test]
fn an_install_waiting_for_its_folder_stops_when_cancelled() {
    use bgassets::install::lock::FolderLock;
    use std::sync::Arc;
    use std::sync::atomic::Ordering;
    use std::time::{Duration, Instant};

    let dir = tempfile::tempdir().unwrap();
    let v1 = build_pack(dir.path(), "Shared", 1, &[("a.bin", &noise(4000, 1))]);
    let v2 = build_pack(dir.path(), "Shared", 2, &[("a.bin", &noise(4000, 2))]);
    let container = dir.path().join("containers/group");
    let request = |archive| to(archive, &container, "Shared");
    install(&request(&v1)).unwrap();
    let before = listing(&container);

    // The other app's install holds the folder, for 5 s at most (so that a wait that ignores
    // its cancel fails this test instead of hanging it).
    let held = FolderLock::acquire(&container, "Shared", &AtomicBool::new(false)).unwrap();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        let _held = held;
        let _ = released.recv_timeout(Duration::from_secs(5));
    });
    let cancel = Arc::new(AtomicBool::new(false));
    let waiting = {
        let (cancel, container, v2) = (cancel.clone(), container.clone(), v2.clone());
        std::thread::spawn(move || {
            let request = to(&v2, &container, "Shared");
            let started = Instant::now();
            (install_cancellable(&request, &cancel), started.elapsed())
        })
    };
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        !waiting.is_finished(),
        "the second install waits for the folder"
    );
    cancel.store(true, Ordering::Relaxed);
    let (result, waited) = waiting.join().unwrap();
    let error = result.unwrap_err();
    assert!(matches!(error, InstallError::Cancelled { .. }), "{error}");
    assert!(
        waited < Duration::from_secs(2),
        "stopped when cancelled, not when the folder was let go ({waited:?})"
    );
    release.send(()).unwrap();
    holder.join().unwrap();
    assert_no_staging(&container);
    assert_eq!(listing(&container), before);
}
