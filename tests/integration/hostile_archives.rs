//! The hostile archive corpus (`tests/data/archives/`, made by `support::install::corpus`): each
//! archive is refused with its named error, over an installed pack and as a first install,
//! and leaves everything as it was: the canary folder beside the container, the installed
//! pack, and no trace of the refused one. A real full disk (a tmpfs) refuses an honestly
//! declared archive that cannot fit before a byte is written, and installs it once it fits.
//!
//! `BGASSETS_WRITE_FIXTURES=1 cargo test --test integration hostile_archives::` writes the fixtures again.

use std::fs;
use std::path::{Path, PathBuf};

use bgassets::install::{InstallError, InstallRequest, Installed, install};
use bgassets::model::ErrorKind;

use crate::support::install::corpus::{Case, Expect, LIMIT, cases};
use crate::support::install::{Raw, assert_no_staging, build_pack, listing, raw_zip};
use crate::support::small_disk::SmallDisk;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/archives")
}

fn install_into(
    archive: &Path,
    container: &Path,
    folder: &str,
    limit: u64,
) -> Result<Installed, InstallError> {
    install(&InstallRequest {
        archive,
        container,
        folder,
        max_install_size: limit,
    })
}

/// A canary folder beside the container, with a file and a folder in it.
fn plant_canary(parent: &Path) -> PathBuf {
    let canary = parent.join("canary");
    fs::create_dir_all(canary.join("inner")).unwrap();
    fs::write(canary.join("keep.txt"), b"canary").unwrap();
    fs::write(canary.join("inner/evil"), b"canary too").unwrap();
    canary
}

/// Whether `error` is what `case` expects, naming the archive; if not, why.
fn check_named(case: &Case, archive: &Path, error: &InstallError) -> Result<(), String> {
    let message = error.to_string();
    let kind = match case.expect {
        Expect::Entry(..) | Expect::Archive(_) => ErrorKind::InvalidArchive,
        Expect::TooLarge => ErrorKind::InstallSizeExceeded,
        Expect::NoSpace => ErrorKind::DiskFull,
    };
    if error.kind() != kind {
        return Err(format!(
            "kind {:?}, expected {kind:?}: {message}",
            error.kind()
        ));
    }
    if !message.contains(&archive.display().to_string()) {
        return Err(format!("`{message}` does not name the archive"));
    }
    let matches = match (case.expect, error) {
        (
            Expect::Entry(name, problem),
            InstallError::Entry {
                entry,
                problem: found,
                ..
            },
        ) => entry == name && found.contains(problem),
        (Expect::Archive(problem), InstallError::Archive { problem: found, .. }) => {
            found.contains(problem)
        }
        (Expect::TooLarge, InstallError::TooLarge { limit, .. }) => *limit == case.limit,
        (
            Expect::NoSpace,
            InstallError::NoSpace {
                needed, available, ..
            },
        ) => needed > available,
        _ => false,
    };
    if matches {
        Ok(())
    } else {
        Err(format!("expected {:?}, got {error:?}", case.expect))
    }
}

#[test]
fn every_fixture_is_what_the_corpus_generator_makes() {
    let dir = fixtures();
    let cases = cases();
    if std::env::var_os("BGASSETS_WRITE_FIXTURES").is_some() {
        fs::create_dir_all(&dir).unwrap();
        for case in &cases {
            fs::write(dir.join(case.file), &case.zip).unwrap();
        }
    }
    let mut listed: Vec<&str> = cases.iter().map(|c| c.file).collect();
    listed.sort();
    let mut found: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".zip"))
        .collect();
    found.sort();
    assert_eq!(
        found, listed,
        "every fixture has a case and every case a fixture"
    );
    for case in &cases {
        let bytes = fs::read(dir.join(case.file)).unwrap();
        assert!(
            bytes == case.zip,
            "{}: differs from what the generator makes (BGASSETS_WRITE_FIXTURES=1 rewrites it)",
            case.file
        );
        assert!(
            bytes.len() <= 64 << 10,
            "{}: fixtures stay small",
            case.file
        );
    }
    assert!(cases.len() >= 20, "{} cases", cases.len());
}

#[test]
fn hostile_archives_are_refused_by_name_and_touch_nothing() {
    let parent = tempfile::tempdir().unwrap();
    let builds = tempfile::tempdir().unwrap();
    let container = parent.path().join("container");
    let canary = plant_canary(parent.path());
    let v1 = build_pack(builds.path(), "Pack", 1, &[("data/v.txt", b"version one")]);
    install_into(&v1, &container, "Pack", LIMIT).unwrap();
    let before = listing(parent.path());
    let canary_before = listing(&canary);

    let mut wrong = Vec::new();
    for case in cases() {
        let archive = fixtures().join(case.file);
        // Over the installed pack, and as a first install.
        for folder in ["Pack", "Fresh"] {
            let context = format!("{} into {folder}", case.file);
            let error = install_into(&archive, &container, folder, case.limit)
                .map(|i| panic!("{context}: installed {i:?}"))
                .unwrap_err();
            if let Err(why) = check_named(&case, &archive, &error) {
                wrong.push(format!("{context}: {why}"));
            }
            assert_eq!(
                listing(&canary),
                canary_before,
                "{context}: the canary changed"
            );
            assert_no_staging(&container);
            assert!(
                !container.join("Fresh").exists(),
                "{context}: the target holds something"
            );
            assert_eq!(
                listing(parent.path()),
                before,
                "{context}: something was written"
            );
            assert_eq!(
                fs::read(container.join("Pack/data/v.txt")).unwrap(),
                b"version one",
                "{context}"
            );
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn an_honest_archive_larger_than_the_free_space_is_refused_before_a_byte_is_written() {
    // 8 MiB of zeros, honestly declared, deflated to a few KB; the disk has 4 MiB.
    let zeros = vec![0u8; 8 << 20];
    let archives = tempfile::tempdir().unwrap();
    let archive = archives.path().join("honest.zip");
    fs::write(&archive, raw_zip(&[Raw::Deflated("zeros.bin", &zeros)])).unwrap();

    let disk = SmallDisk::required("4m");
    let canary = plant_canary(&disk.path);
    let container = disk.path.join("container");
    let error = install_into(&archive, &container, "Pack", u64::MAX).unwrap_err();
    let message = error.to_string();
    assert_eq!(error.kind(), ErrorKind::DiskFull, "{message}");
    match &error {
        InstallError::NoSpace {
            needed,
            available,
            folder,
            ..
        } => {
            assert_eq!(*needed, 8 << 20);
            assert!(*available <= 4 << 20, "{message}");
            assert_eq!(folder, &disk.path, "{message}");
        }
        other => panic!("expected NoSpace, got {other:?}"),
    }
    assert!(message.contains("nothing was written"), "{message}");
    assert!(!container.exists(), "the container was not even created");
    assert_eq!(fs::read(canary.join("keep.txt")).unwrap(), b"canary");
    assert_eq!(listing(&canary).len(), 3);

    // Where it fits, the same archive installs.
    let roomy = SmallDisk::required("12m");
    let installed =
        install_into(&archive, &roomy.path.join("container"), "Pack", u64::MAX).unwrap();
    assert_eq!((installed.files, installed.bytes), (1, 8 << 20));
}
