//! Hostile Info.plists: reference bombs, deep nesting (XML and binary), oversized files,
//! cycles and forged counts. Each is refused with its named error by `App::parse`, and again
//! by a real `bgassets sync` process, which must exit with the error, write no container and
//! leave a canary folder beside its data dir untouched. Nothing aborts, and the bomb's memory
//! stays small (measured in docs/reliability.md).
//!
//! The small cases are kept under `tests/data/plists/hostile/`, made by `support::plist`
//! (`BGASSETS_WRITE_FIXTURES=1 cargo test --test integration hostile_plists::` writes them again); the large
//! ones (up to 1 MiB, and a 200 MB sparse file) are made by the tests.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use bgassets::model::App;

use crate::support::install::listing;
use crate::support::plist::{large_cases, small_cases};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/plists/hostile")
}

/// Asserts `problem` is what `expected` says: equal, or starting with it before its `…`.
fn assert_problem(context: &str, problem: &str, expected: &str) {
    match expected.strip_suffix('…') {
        Some(prefix) => assert!(problem.starts_with(prefix), "{context}: {problem}"),
        None => assert_eq!(problem, expected, "{context}"),
    }
}

#[test]
fn every_fixture_is_what_the_generator_makes() {
    let dir = fixtures();
    let cases = small_cases();
    if std::env::var_os("BGASSETS_WRITE_FIXTURES").is_some() {
        fs::create_dir_all(&dir).unwrap();
        for case in &cases {
            fs::write(dir.join(case.file), &case.bytes).unwrap();
        }
    }
    // For measuring (docs/reliability.md): the large cases written where asked.
    if let Some(large) = std::env::var_os("BGASSETS_WRITE_LARGE") {
        fs::create_dir_all(&large).unwrap();
        for case in large_cases() {
            fs::write(Path::new(&large).join(case.file), &case.bytes).unwrap();
        }
    }
    let mut found: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    found.sort();
    let mut listed: Vec<&str> = cases.iter().map(|c| c.file).collect();
    listed.sort();
    assert_eq!(found, listed);
    for case in &cases {
        let bytes = fs::read(dir.join(case.file)).unwrap();
        assert!(
            bytes == case.bytes,
            "{}: BGASSETS_WRITE_FIXTURES=1 rewrites it",
            case.file
        );
    }
    let bomb = fs::read(dir.join("reference-bomb.bplist")).unwrap();
    assert!(
        bomb.len() <= 600,
        "the reference bomb is {} bytes",
        bomb.len()
    );
}

#[test]
fn hostile_plists_are_refused_by_app_parse_with_the_cap_named() {
    let mut cases = small_cases();
    for case in &mut cases {
        case.bytes = fs::read(fixtures().join(case.file)).unwrap();
    }
    cases.extend(large_cases());
    assert!(cases.len() >= 10, "{} cases", cases.len());
    for case in &cases {
        let input = format!("hostile/{}", case.file);
        let started = std::time::Instant::now();
        let error = App::parse(&input, &case.bytes)
            .map(|app| panic!("{}: parsed {app:?}", case.file))
            .unwrap_err();
        let message = error.to_string();
        let problem = message
            .strip_prefix(&format!("{input}: "))
            .unwrap_or_else(|| panic!("{}: `{message}` does not name the input", case.file));
        assert_problem(case.file, problem, case.problem);
        let elapsed = started.elapsed();
        assert!(elapsed.as_secs() < 5, "{}: took {elapsed:?}", case.file);
    }
}

/// Runs `bgassets sync` on `plist` with a data dir beside a canary; returns its stderr after
/// checking it failed, wrote no container and left the canary as it was.
fn sync_refuses(root: &Path, plist: &Path) -> String {
    let canary = root.join("canary");
    fs::create_dir_all(canary.join("inner")).unwrap();
    fs::write(canary.join("keep.txt"), b"canary").unwrap();
    let before = listing(&canary);
    let data = root.join("data");
    let output = Command::new(env!("CARGO_BIN_EXE_bgassets"))
        .arg("sync")
        .arg(plist)
        .arg("--data-dir")
        .arg(&data)
        .arg("--timeout")
        .arg("60")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!output.status.success(), "{}: {stderr}", plist.display());
    assert!(
        output.status.code().is_some(),
        "{}: killed by a signal",
        plist.display()
    );
    assert_eq!(
        listing(&canary),
        before,
        "{}: the canary changed",
        plist.display()
    );
    let containers = listing(&data.join("containers"));
    assert!(containers.is_empty(), "{}: {containers:?}", plist.display());
    stderr
}

#[test]
fn bgassets_sync_refuses_each_hostile_plist_and_writes_no_container() {
    let mut cases = small_cases();
    cases.extend(large_cases());
    for case in &cases {
        let root = tempfile::tempdir().unwrap();
        let plist = root.path().join("app").join("Info.plist");
        fs::create_dir_all(plist.parent().unwrap()).unwrap();
        fs::write(&plist, &case.bytes).unwrap();
        let stderr = sync_refuses(root.path(), &plist);
        assert!(
            stderr.contains(&plist.display().to_string()),
            "{}: {stderr}",
            case.file
        );
        let problem = case.problem.trim_end_matches('…');
        assert!(stderr.contains(problem), "{}: {stderr}", case.file);
    }
}

#[test]
fn a_200_mb_info_plist_is_refused_unread() {
    let root = tempfile::tempdir().unwrap();
    let plist = root.path().join("Info.plist");
    // Sparse: 200 MB long, no blocks written.
    fs::File::create(&plist)
        .unwrap()
        .set_len(200 << 20)
        .unwrap();
    let stderr = sync_refuses(root.path(), &plist);
    assert!(
        stderr
            .contains("is larger than the 1048576 bytes an Info.plist may have: it has 209715200"),
        "{stderr}"
    );
}
