//! The model-based test of the manager (issue 12): random, seeded, shrinking sequences of
//! register, ensure, pause, resume, prioritise, remove, check-updates, manifest changes (new
//! version, pack unlisted and listed again, URLs moved), language changes, server faults and
//! manager restarts, against a real manager and the real mock server, with named checks after
//! every step (see `manager_model/checks.rs`). `docs/model-test.md` says how to run it long.
//!
//! The first test enforces every check over 200 sequences (`BGASSETS_MODEL_CASES` for more);
//! the others replay, as regression tests, sequences it found on the manager before issue 12.

#[path = "manager_model/harness.rs"]
mod harness;

use harness::checks::Check;

/// Every check: the redesigned manager (issue 12) keeps them all. Before it, `main` kept only
/// `NoPanic`, `OneInstallAtATime`, `LaunchReady` and `Reasons` (`docs/model-test.md` lists
/// what the others found).
const ALL: [Check; 18] = [
    Check::NoPanic,
    Check::VerifiedBytes,
    Check::NoUntrackedFiles,
    Check::OneInstallAtATime,
    Check::PausedStaysPaused,
    Check::PauseIsIntent,
    Check::LaunchReady,
    Check::ReadyWithoutManifest,
    Check::RemovedEssentialBlocksLaunch,
    Check::Reasons,
    Check::ReasonField,
    Check::RestartKeepsState,
    Check::Settles,
    Check::RemovedEssentialBlocksDownloads,
    Check::EnsureResumes,
    Check::EnsureLatestRereads,
    Check::EnsureWants,
    Check::LanguageChoice,
];

#[test]
fn model_sequences_keep_the_manager_s_invariants() {
    harness::run("all", &ALL);
}

/// The shrunk sequences the model found on the manager before issue 12, replayed as regression
/// tests (their timing varies, so each runs several times).
#[test]
fn removing_a_pack_while_it_installs_leaves_it_removed() {
    use harness::ops::Op::*;
    harness::replay(
        "remove during install",
        &[
            Register,
            Remove(1),
            Remove(1),
            CheckUpdates,
            Remove(2),
            Remove(0),
        ],
        &[Check::VerifiedBytes],
        30,
    );
}

#[test]
fn ensure_latest_lists_a_version_published_since_the_last_check() {
    use harness::ops::Op::*;
    let ops = [Register, NewVersion(3), EnsureLatest(3)];
    harness::replay("ensure latest", &ops, &[Check::EnsureLatestRereads], 3);
}
