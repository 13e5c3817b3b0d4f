//! The fuzz corpora, replayed on the stable toolchain as ordinary tests: every file committed
//! under `fuzz/corpus/<target>/` (the minimised inputs the fuzzer found interesting, seeded from
//! `tests/data/` and the demo) and `fuzz/regressions/<target>/` (inputs that once crashed a
//! target) goes through the same function the fuzz target calls, `fuzz/src/checks.rs`, which is
//! compiled into this test. Running the fuzzer itself needs nightly: see `scripts/fuzz`.

#[path = "../../fuzz/src/checks.rs"]
mod checks;

use std::path::{Path, PathBuf};

/// The committed inputs of `target`: its corpus and its regressions, sorted.
fn inputs(target: &str) -> Vec<PathBuf> {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut files = Vec::new();
    for folder in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(fuzz.join(folder).join(target)) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("list the corpus").path();
            if path.is_file() {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Replays every input of `target`, names each that made the check panic, and checks that the
/// corpus reaches both sides of the parser: inputs it accepts and inputs it refuses.
fn replay(target: &str) {
    let check = checks::TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .map(|(_, check)| *check)
        .expect("a known target");
    let files = inputs(target);
    let mut failed = Vec::new();
    let mut outcomes = Vec::new();
    for path in &files {
        let bytes = std::fs::read(path).expect("read a corpus file");
        match std::panic::catch_unwind(|| check(&bytes)) {
            Ok(outcome) => outcomes.push(outcome),
            Err(_) => failed.push(path.display().to_string()),
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} inputs failed the `{target}` check: {failed:#?}",
        failed.len(),
        files.len()
    );
    for side in [checks::Outcome::Accepted, checks::Outcome::Refused] {
        assert!(
            outcomes.contains(&side),
            "no input of fuzz/corpus/{target} is {side:?} (of {} files): the seeds are missing",
            files.len()
        );
    }
}

#[test]
fn info_plist_corpus_parses_or_is_refused_by_name() {
    replay("info_plist");
}

#[test]
fn server_manifest_corpus_parses_and_round_trips_or_is_refused_by_name() {
    replay("server_manifest");
}

#[test]
fn pack_manifest_corpus_parses_and_round_trips_or_is_refused_by_name() {
    replay("pack_manifest");
}

#[test]
fn archive_corpus_is_checked_and_installs_only_inside_its_container() {
    replay("archive");
}

#[test]
fn socket_line_corpus_is_answered_without_panic() {
    replay("socket_line");
}

#[test]
fn range_corpus_stays_inside_the_file() {
    replay("range");
}

/// Every check has a fuzz target of the same name, and every fuzz target is replayed here.
#[test]
fn every_fuzz_target_is_replayed() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut targets: Vec<String> = std::fs::read_dir(fuzz.join("fuzz_targets"))
        .expect("list fuzz/fuzz_targets")
        .map(|entry| {
            let path = entry.expect("a fuzz target").path();
            let stem = path.file_stem().expect("a file name");
            stem.to_string_lossy().into_owned()
        })
        .collect();
    targets.sort();
    let mut checked: Vec<String> = checks::TARGETS
        .iter()
        .map(|(name, _)| name.to_string())
        .collect();
    checked.sort();
    assert_eq!(targets, checked);
}

/// Regression (found by the `server_manifest` and `pack_manifest` targets): a `userInfo`
/// number changed in its last digits each time bgassets wrote and read a manifest (`4.5e300`
/// came back as `4.5000000000000005e300`), because serde_json parsed floats approximately.
/// serde_json's `float_roundtrip` parses them exactly.
#[test]
fn user_info_numbers_survive_bgassets_own_json() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let name = "user-info-float-changes-through-json.json";
    for (target, check) in [
        ("server_manifest", checks::server_manifest as checks::Check),
        ("pack_manifest", checks::pack_manifest),
    ] {
        let bytes = std::fs::read(fuzz.join(target).join(name)).expect("the regression input");
        assert_eq!(check(&bytes), checks::Outcome::Accepted, "{target}");
    }
}
