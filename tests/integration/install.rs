//! The installer on real files in temp dirs: packs built by the packager install byte for byte;
//! updates swap atomically under readers; removal, lookups and crash leftovers; and
//! `bgassets pack install` as a user runs it. The hostile archive corpus is in
//! `hostile_archives.rs`.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use bgassets::install::{InstallError, InstallRequest, Installed, install, installed_size, remove};
use bgassets::model::ErrorKind;

use crate::support::install::{Raw, assert_no_staging, build_pack, listing, raw_zip};
use crate::support::random_bytes;
use crate::support::write;

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

/// The files of a small but varied pack: stored, deflated, nested, empty.
fn sample_files() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("Levels/1/map.bin", b"level one map ".repeat(5000)),
        ("Levels/1/deep/tiles.bin", [1, 2, 3, 4].repeat(10_000)),
        ("Videos/Intro.mp4", random_bytes(300_000, 1)),
        ("Textures/sky.png", random_bytes(70_000, 2)),
        ("readme.txt", b"read me\n".to_vec()),
        ("empty.dat", Vec::new()),
    ]
}

fn as_refs<'a>(files: &'a [(&'static str, Vec<u8>)]) -> Vec<(&'static str, &'a [u8])> {
    files.iter().map(|(n, b)| (*n, b.as_slice())).collect()
}

#[test]
fn a_built_pack_installs_byte_for_byte_without_its_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let files = sample_files();
    let archive = build_pack(dir.path(), "Tutorial", 1, &as_refs(&files));
    let total: u64 = files.iter().map(|(_, b)| b.len() as u64).sum();
    let container = dir.path().join("containers/com.example.game");

    let installed = install_into(&archive, &container, "Tutorial", total).unwrap();
    assert_eq!(installed.path, container.join("Tutorial"));
    assert_eq!(installed.files, files.len());
    assert_eq!(installed.bytes, total);

    for (name, bytes) in &files {
        let path = installed.path.join(name);
        assert_eq!(&fs::read(&path).unwrap(), bytes, "{name}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o7777;
            assert_eq!(mode, 0o644, "{name}: mode {mode:o}");
        }
    }
    assert!(
        !installed.path.join(".bgassets").exists(),
        "the pack manifest is not extracted"
    );
    let names: Vec<String> = listing(&installed.path)
        .into_iter()
        .filter(|(_, what)| what != "dir")
        .map(|(name, _)| name)
        .collect();
    let mut expected: Vec<String> = files.iter().map(|(n, _)| n.to_string()).collect();
    expected.sort();
    assert_eq!(names, expected, "exactly the pack's files");
    assert_eq!(installed_size(&container, "Tutorial").unwrap(), total);
    assert_eq!(installed_size(&container, "Absent").unwrap(), 0);

    // The folder is a link to the one version, and no staging is left.
    let link = fs::read_link(container.join("Tutorial")).unwrap();
    assert!(link.starts_with(".versions"), "{}", link.display());
    assert_eq!(versions(&container, "Tutorial").len(), 1);
    assert_no_staging(&container);

    // The limit is inclusive: one byte less is refused, naming the limit.
    let err = install_into(&archive, &container, "Tutorial", total - 1).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InstallSizeExceeded, "{err}");
    assert!(err.to_string().contains(&(total - 1).to_string()), "{err}");
}

/// The version folders of `folder` in `container`.
/// The version folders of `folder`, once replaced versions have been retired (they are
/// deleted `RETIRE_AFTER` after a swap, so readers mid-lookup still find their files).
fn versions(container: &Path, folder: &str) -> Vec<String> {
    std::thread::sleep(
        bgassets::install::swap::RETIRE_AFTER + std::time::Duration::from_millis(300),
    );
    versions_now(container, folder)
}

fn versions_now(container: &Path, folder: &str) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(container.join(".versions"))
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(&format!("{folder}@")))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

const LIMIT: u64 = 10_000_000;

#[test]
fn an_update_swaps_in_while_an_open_file_keeps_reading_the_old_version() {
    let dir = tempfile::tempdir().unwrap();
    let container = dir.path().join("container");
    let v1 = build_pack(
        dir.path(),
        "Pack",
        1,
        &[("data.bin", &[1u8; 100_000]), ("only-v1.txt", b"old")],
    );
    let v2 = build_pack(dir.path(), "Pack", 2, &[("data.bin", &[2u8; 200_000])]);
    install_into(&v1, &container, "Pack", LIMIT).unwrap();
    let mut held = fs::File::open(container.join("Pack/data.bin")).unwrap();

    let installed = install_into(&v2, &container, "Pack", LIMIT).unwrap();
    assert_eq!((installed.files, installed.bytes), (1, 200_000));

    let mut old = Vec::new();
    held.read_to_end(&mut old).unwrap();
    assert_eq!(
        old,
        vec![1u8; 100_000],
        "the open file still reads version 1"
    );
    assert_eq!(
        fs::read(container.join("Pack/data.bin")).unwrap(),
        vec![2u8; 200_000]
    );
    assert!(
        !container.join("Pack/only-v1.txt").exists(),
        "never half old, half new"
    );
    assert_no_staging(&container);
    assert_eq!(
        versions(&container, "Pack").len(),
        1,
        "{:?}",
        versions(&container, "Pack")
    );
    assert_eq!(installed_size(&container, "Pack").unwrap(), 200_000);
}

#[test]
fn a_reader_sees_whole_versions_across_twenty_swaps() {
    const SIZE: usize = 256 * 1024;
    let dir = tempfile::tempdir().unwrap();
    let container = dir.path().join("container");
    let v1 = build_pack(dir.path(), "Pack", 1, &[("data.bin", &[1u8; SIZE])]);
    let v2 = build_pack(dir.path(), "Pack", 2, &[("data.bin", &[2u8; SIZE])]);
    install_into(&v1, &container, "Pack", LIMIT).unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let seen = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
    let reader = {
        let (stop, seen) = (stop.clone(), seen.clone());
        let path = container.join("Pack/data.bin");
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let bytes = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                assert_eq!(bytes.len(), SIZE);
                let first = bytes[0];
                assert!(first == 1 || first == 2, "read {first}");
                assert!(bytes.iter().all(|&b| b == first), "a file mixing versions");
                seen[usize::from(first - 1)].fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    for swap in 0..20 {
        let archive = if swap % 2 == 0 { &v2 } else { &v1 };
        install_into(archive, &container, "Pack", LIMIT).unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    reader
        .join()
        .expect("the reader saw a missing or mixed file");
    let (ones, twos) = (
        seen[0].load(Ordering::Relaxed),
        seen[1].load(Ordering::Relaxed),
    );
    assert!(
        ones > 0 && twos > 0,
        "the reader saw v1 {ones} and v2 {twos} times"
    );
    assert_eq!(
        fs::read(container.join("Pack/data.bin")).unwrap(),
        vec![1u8; SIZE]
    );
    assert_eq!(versions(&container, "Pack").len(), 1);
    assert_no_staging(&container);
}

#[test]
fn remove_frees_the_files_and_returns_the_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let container = dir.path().join("container");
    let files = sample_files();
    let total: u64 = files.iter().map(|(_, b)| b.len() as u64).sum();
    let archive = build_pack(dir.path(), "Pack", 1, &as_refs(&files));
    let other = build_pack(dir.path(), "Other", 1, &[("keep.txt", b"keep")]);
    install_into(&archive, &container, "Pack", total).unwrap();
    install_into(&other, &container, "Other", LIMIT).unwrap();

    assert_eq!(remove(&container, "Pack").unwrap(), total);
    assert!(!container.join("Pack").exists() && !container.join("Pack").is_symlink());
    assert!(versions(&container, "Pack").is_empty());
    assert_eq!(installed_size(&container, "Pack").unwrap(), 0);
    assert_eq!(
        remove(&container, "Pack").unwrap(),
        0,
        "removing twice is a no-op"
    );
    assert_eq!(fs::read(container.join("Other/keep.txt")).unwrap(), b"keep");

    // It installs again afterwards.
    install_into(&archive, &container, "Pack", total).unwrap();
    assert_eq!(installed_size(&container, "Pack").unwrap(), total);
}

#[test]
fn resolve_finds_installed_files_and_nothing_else() {
    use bgassets::install::resolve;
    let dir = tempfile::tempdir().unwrap();
    let container = dir.path().join("container");
    let archive = build_pack(dir.path(), "Pack", 1, &[("Levels/1/map.bin", b"map")]);
    install_into(&archive, &container, "Pack", LIMIT).unwrap();
    write(&container.join("secret.txt"), b"not in the pack");

    let found = resolve(&container, "Pack", "Levels/1/map.bin").unwrap();
    assert_eq!(found, container.join("Pack/Levels/1/map.bin"));
    assert_eq!(fs::read(found).unwrap(), b"map");

    // Paths that would leave the pack are refused.
    for relative in [
        "../x",
        "../secret.txt",
        "Levels/../../secret.txt",
        "/etc/passwd",
        "C:/x",
    ] {
        let err = resolve(&container, "Pack", relative).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::FileNotFound, "{relative}");
        assert!(err.to_string().contains(relative), "{relative}: {err}");
    }
    // Absent files, folders and the pack's own manifest are not found.
    for relative in [
        "Levels/2/absent.bin",
        "Levels",
        "Levels/1",
        ".bgassets/pack.json",
    ] {
        let err = resolve(&container, "Pack", relative).unwrap_err();
        assert!(
            matches!(err, InstallError::NotFound { .. }),
            "{relative}: {err:?}"
        );
        assert_eq!(err.kind(), ErrorKind::FileNotFound, "{relative}");
        assert!(err.to_string().contains(relative), "{relative}: {err}");
    }
    let err = resolve(&container, "Absent", "x").unwrap_err();
    assert!(matches!(err, InstallError::NotFound { .. }), "{err:?}");
}

#[test]
fn leftovers_of_a_crashed_install_are_cleaned_by_the_next_one() {
    let dir = tempfile::tempdir().unwrap();
    let container = dir.path().join("container");
    let archive = build_pack(dir.path(), "Pack", 1, &[("data.bin", b"new")]);
    // A crash mid-extraction, and one between moving a version in and swapping the link.
    write(
        &container.join(".staging/Pack-1700000000000000000-4242/half.bin"),
        b"half",
    );
    write(&container.join(".versions/Pack@7/data.bin"), b"orphan");
    // Another pack whose name starts like this one's, installing at the same moment.
    let busy = container.join(".staging/Pack-2-1700000000000000000-4242/busy.bin");
    write(&busy, b"in progress");

    install_into(&archive, &container, "Pack", LIMIT).unwrap();
    assert!(
        !container
            .join(".staging/Pack-1700000000000000000-4242")
            .exists()
    );
    assert_eq!(versions(&container, "Pack").len(), 1);
    assert!(!container.join(".versions/Pack@7").exists());
    assert_eq!(fs::read(container.join("Pack/data.bin")).unwrap(), b"new");
    assert_eq!(
        fs::read(&busy).unwrap(),
        b"in progress",
        "the staging of pack `Pack-2` is not this pack's leftover"
    );
}

// ---------------------------------------------------------------- bgassets pack install

fn bgassets(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bgassets"))
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn pack_install_installs_into_the_packs_folder_and_reports_its_speed() {
    let dir = tempfile::tempdir().unwrap();
    let files = sample_files();
    let total: u64 = files.iter().map(|(_, b)| b.len() as u64).sum();
    let archive = build_pack(dir.path(), "onnx/model", 3, &as_refs(&files));
    let into = dir.path().join("container");

    let out = bgassets(&["pack", "install", arg(&archive), "--into", arg(&into)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!("{} files", files.len())),
        "{stdout}"
    );
    assert!(stdout.contains(&format!("{total} bytes")), "{stdout}");
    assert!(stdout.contains(" s") && stdout.contains("MB/s"), "{stdout}");
    let folder: PathBuf = into.join("onnx%2Fmodel");
    for (name, bytes) in &files {
        assert_eq!(&fs::read(folder.join(name)).unwrap(), bytes, "{name}");
    }

    // Again, as JSON: the update replaces it.
    let out = bgassets(&[
        "pack",
        "install",
        arg(&archive),
        "--into",
        arg(&into),
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["assetPackID"], "onnx/model");
    assert_eq!(report["version"], 3);
    assert_eq!(report["path"], folder.to_str().unwrap());
    assert_eq!(report["files"], files.len());
    assert_eq!(report["bytes"], total);
    assert!(report["seconds"].as_f64().unwrap() >= 0.0, "{report}");
    assert!(report["megabytesPerSecond"].as_f64().is_some(), "{report}");
    assert_eq!(versions(&into, "onnx%2Fmodel").len(), 1);
}

#[test]
fn pack_install_refuses_hostile_archives_and_limits_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let into = dir.path().join("container");
    let manifest = br#"{ "assetPackID": "Evil", "downloadPolicy": { "onDemand": {} },
                        "fileSelectors": [ { "file": "x" } ] }"#;
    let archive = dir.path().join("evil.zip");
    fs::write(
        &archive,
        raw_zip(&[
            Raw::Stored(".bgassets/pack.json", manifest),
            Raw::Stored("ok.txt", b"fine"),
            Raw::Stored("../evil", b"x"),
        ]),
    )
    .unwrap();
    let out = bgassets(&["pack", "install", arg(&archive), "--into", arg(&into)]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("../evil") && stderr.contains("evil.zip"),
        "{stderr}"
    );
    assert!(!dir.path().join("evil").exists());
    assert!(listing(&into).is_empty(), "{:?}", listing(&into));

    let archive = build_pack(dir.path(), "Pack", 1, &[("a.bin", &[0u8; 5000])]);
    let out = bgassets(&[
        "pack",
        "install",
        arg(&archive),
        "--into",
        arg(&into),
        "--max-size",
        "4KB",
    ]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("4000 bytes"), "{stderr}");
    assert!(!into.join("Pack").exists());

    let out = bgassets(&[
        "pack",
        "install",
        arg(&archive),
        "--into",
        arg(&into),
        "--max-size",
        "lots",
    ]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("lots"), "{}", text(&out.stderr));

    let garbage = dir.path().join("garbage.zip");
    fs::write(&garbage, random_bytes(1000, 9)).unwrap();
    let out = bgassets(&["pack", "install", arg(&garbage), "--into", arg(&into)]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("garbage.zip"),
        "{}",
        text(&out.stderr)
    );
}
