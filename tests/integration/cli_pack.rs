//! `bgassets pack template|build|index` as a user runs them: output, files written, exit codes
//! and error messages.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn bgassets(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bgassets"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn template_build_and_index_make_a_servable_site() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    fs::create_dir_all(root.join("path/to/directory")).unwrap();
    fs::write(root.join("path/to/file"), b"file").unwrap();
    fs::write(root.join("path/to/directory/a.bin"), b"a").unwrap();

    let out = bgassets(
        &["pack", "template", "Tutorial", "-o", "pack.json"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let template = fs::read_to_string(dir.path().join("pack.json")).unwrap();
    assert!(
        template.contains("// "),
        "the template explains itself in comments"
    );

    let out = bgassets(
        &[
            "pack",
            "build",
            "pack.json",
            "--root",
            "root",
            "-o",
            "site/packs/tutorial.zip",
            "--version",
            "4",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("pack `Tutorial` version 4, 2 files"),
        "{stdout}"
    );
    assert!(stdout.contains("sha256 "), "{stdout}");

    let out = bgassets(
        &[
            "pack",
            "build",
            "pack.json",
            "--root",
            "root",
            "-o",
            "again.zip",
            "--version",
            "4",
            "--json",
        ],
        dir.path(),
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["assetPackID"], "Tutorial");
    assert_eq!(
        fs::read(dir.path().join("again.zip")).unwrap(),
        fs::read(dir.path().join("site/packs/tutorial.zip")).unwrap(),
        "the same inputs give the same archive"
    );

    let out = bgassets(
        &[
            "pack",
            "index",
            "site/packs/tutorial.zip",
            "-o",
            "site/manifest.json",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("1 packs"));
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("site/manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["assetPacks"][0]["url"], "packs/tutorial.zip");
    assert_eq!(manifest["assetPacks"][0]["version"], 4);
}

#[test]
fn errors_name_the_file_and_the_field_and_exit_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("bad.json"),
        r#"{"assetPackID": "X", "downloadPolicy": {"prefetch": {}}, "fileSelectors": []}"#,
    )
    .unwrap();
    let out = bgassets(
        &["pack", "build", "bad.json", "--root", ".", "-o", "x.zip"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("error: cannot build a pack from bad.json"),
        "{stderr}"
    );
    assert!(
        stderr.contains("bad.json: field `downloadPolicy`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("needs `installationEventTypes`"),
        "{stderr}"
    );

    let out = bgassets(&["pack", "template", "../escape"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("pack id: `../escape`"),
        "{}",
        text(&out.stderr)
    );

    let out = bgassets(
        &["pack", "index", "missing.zip", "-o", "m.json"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("cannot read missing.zip"),
        "{}",
        text(&out.stderr)
    );
}
