//! The packager: reproducible archives, the embedded manifest, selectors that must stay inside
//! the root, and the server manifest written by `pack index`.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use bgassets::model::pack_manifest::ARCHIVE_MANIFEST_NAME;
use bgassets::model::{DownloadPolicy, PackKind, PackManifest, ServerManifest, Sha256Digest};
use bgassets::pack::{BuildError, build::build, index::index};

use crate::support::write;

const MANIFEST: &str = r#"{
  // as `ba-package template` writes it
  "assetPackID": "Tutorial",
  "downloadPolicy": { "essential": { "installationEventTypes": ["firstInstallation", ] } },
  "fileSelectors": [ { "file": "Videos/Intro.mp4" }, { "directory": "Levels/1" }, ],
  "platforms": [],
}"#;

/// A root with a video, two levels and a file no selector names.
fn fixture(dir: &Path) -> (PathBuf, PathBuf) {
    let root = dir.join("root");
    write(&root.join("Videos/Intro.mp4"), &vec![7u8; 300_000]);
    write(&root.join("Levels/1/map.bin"), b"level one map");
    write(
        &root.join("Levels/1/deep/tiles.bin"),
        &[1, 2, 3, 4].repeat(1000),
    );
    write(&root.join("Unselected.txt"), b"not in the pack");
    let manifest = dir.join("pack.json");
    write(&manifest, MANIFEST.as_bytes());
    (manifest, root)
}

fn entry_names(archive: &Path) -> Vec<String> {
    let zip = zip::ZipArchive::new(fs::File::open(archive).unwrap()).unwrap();
    zip.file_names()
        .map(|name| name.unwrap().to_string())
        .collect()
}

#[test]
fn builds_are_byte_for_byte_reproducible_whatever_the_file_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let (manifest, root) = fixture(dir.path());
    let first = build(&manifest, &root, &dir.path().join("a.zip"), None).unwrap();

    // Same contents, written in another order, with other times and permissions.
    let other = tempfile::tempdir().unwrap();
    let root2 = other.path().join("root");
    write(
        &root2.join("Levels/1/deep/tiles.bin"),
        &[1, 2, 3, 4].repeat(1000),
    );
    write(&root2.join("Levels/1/map.bin"), b"level one map");
    write(&root2.join("Videos/Intro.mp4"), &vec![7u8; 300_000]);
    let old = fs::FileTimes::new()
        .set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000));
    fs::File::options()
        .write(true)
        .open(root2.join("Levels/1/map.bin"))
        .unwrap()
        .set_times(old)
        .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(
            root2.join("Videos/Intro.mp4"),
            fs::Permissions::from_mode(0o600),
        )
        .unwrap();
    }
    let second = build(&manifest, &root2, &other.path().join("b.zip"), None).unwrap();

    assert_eq!(first.sha256, second.sha256);
    assert_eq!(
        fs::read(&first.output).unwrap(),
        fs::read(&second.output).unwrap()
    );
    assert_eq!(
        first.sha256,
        Sha256Digest::of(&fs::read(&first.output).unwrap())
    );
    assert_eq!(
        first.download_size,
        fs::metadata(&first.output).unwrap().len()
    );
    assert_eq!(first.install_size, 300_000 + 13 + 4000);
    assert_eq!(first.files, 3);
}

#[test]
fn archives_hold_sorted_entries_with_fixed_metadata_and_the_manifest_first() {
    let dir = tempfile::tempdir().unwrap();
    let (manifest, root) = fixture(dir.path());
    let report = build(&manifest, &root, &dir.path().join("out/pack.zip"), Some(7)).unwrap();
    assert_eq!(
        entry_names(&report.output),
        [
            ARCHIVE_MANIFEST_NAME,
            "Levels/1/deep/tiles.bin",
            "Levels/1/map.bin",
            "Videos/Intro.mp4"
        ]
    );
    let mut zip = zip::ZipArchive::new(fs::File::open(&report.output).unwrap()).unwrap();
    for i in 0..zip.len() {
        let entry = zip.by_index(i).unwrap();
        assert_eq!(entry.unix_mode(), Some(0o100644), "{:?}", entry.name());
        let time = entry.last_modified().unwrap();
        assert_eq!((time.year(), time.month(), time.day()), (1980, 1, 1));
    }
    // Already-compressed media is stored; the rest is deflated.
    assert_eq!(
        zip.by_name("Videos/Intro.mp4").unwrap().compression(),
        zip::CompressionMethod::Stored
    );
    assert_eq!(
        zip.by_name("Levels/1/map.bin").unwrap().compression(),
        zip::CompressionMethod::Deflated
    );

    let mut text = String::new();
    zip.by_name(ARCHIVE_MANIFEST_NAME)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    let embedded = PackManifest::parse("embedded", &text).unwrap();
    assert_eq!(embedded.version, 7, "--version overrides the manifest");
    assert_eq!(
        embedded.kind,
        Some(PackKind::Video),
        "guessed from the bytes of .mp4 files"
    );
    assert_eq!(report.version, 7);
}

#[test]
fn selectors_that_leave_the_root_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (_, root) = fixture(dir.path());
    write(&dir.path().join("secret.txt"), b"outside the root");
    let cases = [
        (
            r#"{"file": "../secret.txt"}"#,
            "fileSelectors[0]",
            "contains `..`",
        ),
        (
            r#"{"file": "/etc/passwd"}"#,
            "fileSelectors[0]",
            "is absolute",
        ),
        (
            r#"{"file": "Videos/missing.mp4"}"#,
            "Videos/missing.mp4",
            "No such file",
        ),
        (r#"{"file": "Levels/1"}"#, "Levels/1", "not a regular file"),
        (
            r#"{"directory": "Videos/Intro.mp4"}"#,
            "Videos/Intro.mp4",
            "not a directory",
        ),
    ];
    for (selector, names, problem) in cases {
        let manifest = dir.path().join("bad.json");
        let text = format!(
            r#"{{"assetPackID":"Bad","downloadPolicy":{{"onDemand":{{}}}},"fileSelectors":[{selector}]}}"#
        );
        write(&manifest, text.as_bytes());
        let error = build(&manifest, &root, &dir.path().join("bad.zip"), None).unwrap_err();
        let message = format!("{error}: {:?}", error);
        assert!(
            message.contains(names) && message.contains(problem),
            "{selector}: {message}"
        );
        assert!(!dir.path().join("bad.zip").exists());
        assert!(
            !dir.path().join("bad.zip.partial").exists(),
            "no partial archive is left"
        );
    }
}

#[cfg(unix)]
#[test]
fn symlinks_are_followed_inside_the_root_and_refused_outside() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let (manifest, root) = fixture(dir.path());
    symlink(
        root.join("Levels/1/map.bin"),
        root.join("Levels/1/alias.bin"),
    )
    .unwrap();
    let report = build(&manifest, &root, &dir.path().join("ok.zip"), None).unwrap();
    assert!(entry_names(&report.output).contains(&"Levels/1/alias.bin".to_string()));
    let mut zip = zip::ZipArchive::new(fs::File::open(&report.output).unwrap()).unwrap();
    assert!(
        !zip.by_name("Levels/1/alias.bin").unwrap().is_symlink(),
        "stored as a file"
    );

    write(&dir.path().join("outside.txt"), b"private");
    symlink(
        dir.path().join("outside.txt"),
        root.join("Levels/1/leak.txt"),
    )
    .unwrap();
    let error = build(&manifest, &root, &dir.path().join("leak.zip"), None).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("outside the root"), "{message}");
    assert!(message.contains("leak.txt"), "{message}");
}

#[test]
fn files_under_the_reserved_manifest_folder_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    write(&root.join(".bgassets/pack.json"), b"{}");
    let manifest = dir.path().join("m.json");
    write(&manifest, br#"{"assetPackID":"X","downloadPolicy":{"onDemand":{}},"fileSelectors":[{"directory":".bgassets"}]}"#);
    let error = build(&manifest, &root, &dir.path().join("x.zip"), None).unwrap_err();
    assert!(
        error.to_string().contains("reserves for its manifest"),
        "{error}"
    );
}

#[test]
fn index_writes_a_manifest_that_matches_the_archives() {
    let dir = tempfile::tempdir().unwrap();
    let (manifest, root) = fixture(dir.path());
    let site = dir.path().join("site");
    let tutorial = build(&manifest, &root, &site.join("packs/tutorial.zip"), Some(3)).unwrap();
    let other = dir.path().join("voices.json");
    write(&other, br#"{"assetPackID":"onnx/x.onnx","downloadPolicy":{"onDemand":{}},"fileSelectors":[{"file":"Levels/1/map.bin"}],"languages":["fr"],"localizationGroup":"Voices","userInfo":{"tier":2}}"#);
    let model = build(&other, &root, &site.join("packs/x 1%.zip"), None).unwrap();

    let written = index(
        &[tutorial.output.clone(), model.output.clone()],
        None,
        &site.join("manifest.json"),
        |_, _| {},
    )
    .unwrap();
    let text = fs::read_to_string(site.join("manifest.json")).unwrap();
    let parsed = ServerManifest::parse("manifest.json", &text).unwrap();
    assert_eq!(parsed, written);

    let first = parsed.pack("Tutorial").unwrap();
    assert_eq!(first.version, 3);
    assert_eq!(first.url, "packs/tutorial.zip");
    assert_eq!(first.sha256, tutorial.sha256);
    assert_eq!(first.download_size, tutorial.download_size);
    assert_eq!(first.install_size, tutorial.install_size);
    assert!(matches!(
        first.download_policy,
        DownloadPolicy::Essential(_)
    ));
    let second = parsed.pack("onnx/x.onnx").unwrap();
    assert_eq!(
        second.url, "packs/x%201%25.zip",
        "file names are percent-encoded"
    );
    assert_eq!(second.languages, ["fr"]);
    assert_eq!(second.localization_group.as_deref(), Some("Voices"));
    assert_eq!(second.user_info, Some(serde_json::json!({"tier": 2})));
    let base = url::Url::parse("http://127.0.0.1:9/site/manifest.json").unwrap();
    assert_eq!(
        second.resolve_url(&base).unwrap().as_str(),
        "http://127.0.0.1:9/site/packs/x%201%25.zip"
    );

    let cdn = index(
        std::slice::from_ref(&tutorial.output),
        Some("https://cdn.example.com/packs"),
        &dir.path().join("elsewhere/m.json"),
        |_, _| {},
    )
    .unwrap();
    assert_eq!(
        cdn.asset_packs[0].url,
        "https://cdn.example.com/packs/tutorial.zip"
    );
}

#[test]
fn index_refuses_duplicates_foreign_archives_and_archives_outside_the_manifest_folder() {
    let dir = tempfile::tempdir().unwrap();
    let (manifest, root) = fixture(dir.path());
    let a = build(&manifest, &root, &dir.path().join("site/a.zip"), None).unwrap();
    let b = build(&manifest, &root, &dir.path().join("site/b.zip"), Some(2)).unwrap();
    let error = index(
        &[a.output.clone(), b.output.clone()],
        None,
        &dir.path().join("site/m.json"),
        |_, _| {},
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("`Tutorial` is listed twice"),
        "{error}"
    );

    let plain = dir.path().join("site/plain.zip");
    let mut zip = zip::ZipWriter::new(fs::File::create(&plain).unwrap());
    zip.start_file("a.txt", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.finish().unwrap();
    let error = index(
        std::slice::from_ref(&plain),
        None,
        &dir.path().join("site/m.json"),
        |_, _| {},
    )
    .unwrap_err();
    assert!(matches!(error, BuildError::Archive { .. }));
    assert!(
        error.to_string().contains("has no `.bgassets/pack.json`"),
        "{error}"
    );

    let junk = dir.path().join("site/junk.zip");
    write(&junk, b"this is not a zip archive");
    let error = index(&[junk], None, &dir.path().join("site/m.json"), |_, _| {}).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("junk.zip: not a valid pack archive"),
        "{error}"
    );

    let error = index(
        std::slice::from_ref(&a.output),
        None,
        &dir.path().join("other/m.json"),
        |_, _| {},
    )
    .unwrap_err();
    assert!(error.to_string().contains("give --base-url"), "{error}");
    assert!(!dir.path().join("other/m.json").exists());
}
