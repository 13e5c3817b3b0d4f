//! An install cancelled (its pack removed meanwhile) stops between entries and leaves nothing
//! but what it found: no staging folder, no version folder, the installed version untouched.

use std::sync::atomic::AtomicBool;

use crate::support::install::{assert_no_staging, build_pack, listing};
use crate::support::random_bytes as noise;
use bgassets::install::{InstallError, InstallRequest, install, install_cancellable};
use bgassets::model::ErrorKind;

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
    let request = |archive| InstallRequest {
        archive,
        container: &container,
        folder: "Levels",
        max_install_size: 1 << 20,
    };

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
