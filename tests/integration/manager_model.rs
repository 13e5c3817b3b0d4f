//! The model-based test of the manager (issue 12): random, seeded, shrinking sequences of
//! register, ensure, pause, resume, prioritise, remove, check-updates, manifest changes (new
//! version, pack unlisted and listed again, URLs moved), language changes, server faults and
//! manager restarts, against a real manager and the real mock server, with named checks after
//! every step (see `manager_model/checks.rs`). `docs/model-test.md` says how to run it long.
//!
//! The first test enforces every check over 200 sequences (`BGASSETS_MODEL_CASES` for more);
//! the others replay, as regression tests, sequences the model found (on the manager before
//! issue 12, and on its redesign) or that reading the code found.

#[path = "manager_model/harness.rs"]
mod harness;

use harness::checks::Check;

/// Every check, kept in every sequence of the long run by the redesigned manager (issue 12).
/// Before it, `main` kept only `NoPanic`, `OneInstallAtATime`, `LaunchReady` and `Reasons`
/// (`docs/model-test.md` lists what the others found, and the long runs).
const KEPT: [Check; 18] = [
    Check::NoPanic,
    Check::OneInstallAtATime,
    Check::VerifiedBytes,
    Check::NoUntrackedFiles,
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
    Check::PausedStaysPaused,
    Check::PauseIsIntent,
];

#[test]
fn model_sequences_keep_the_manager_s_invariants() {
    harness::run("kept", &KEPT);
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

/// Found by CI on the redesigned manager: removing an essential pack whose download had failed
/// (no action of its own to take) left the prefetch packs waiting behind it for good, because
/// only the removed pack was planned again.
#[test]
fn removing_an_essential_that_failed_lets_the_packs_behind_it_start() {
    use harness::ops::Op::*;
    use harness::ops::{Fault, Sel, To};
    let ops = [
        Register,
        Resume(Sel::Pack(5)),
        NewVersion(0),
        Prioritize(1, To::Up),
        Fault(Fault::Corrupt),
        Remove(0),
        Remove(0),
    ];
    harness::replay("remove a failed essential", &ops, &[Check::Settles], 10);
}

/// Found by the census on the redesigned manager: a pack removed as its download finished
/// (the cancel reached the engine while the last bytes were verified) ended finished in the
/// engine all the same; asked for again, the engine answered "already done" with no event,
/// and the pack showed "queued: waiting for a download slot" for good.
#[test]
fn a_pack_removed_as_its_download_finishes_downloads_again_when_asked() {
    use harness::ops::Op::*;
    let ops = [Register, Remove(0), Settle, Ensure(0)];
    harness::replay("remove as it finishes", &ops, &[Check::Settles], 10);
}

/// Found by the census: the model took a resume the manager refused (a pack its app's manifest
/// had not listed yet, the server failing) as a resume, and then a pack its app's standing
/// pause held once listed as "paused though no pause selects it". The model was wrong.
#[test]
fn a_refused_resume_leaves_the_app_s_pause_standing() {
    use harness::ops::Op::*;
    use harness::ops::{Fault, Sel};
    let ops = [
        Fault(Fault::Fail),
        Register,
        Pause(Sel::App),
        Resume(Sel::Pack(2)),
        Fault(Fault::None),
        CheckUpdates,
        Settle,
    ];
    harness::replay("a refused resume", &ops, &[Check::EnsureResumes], 3);
}

/// Found by reading: after a restart a failed download was taken for one asked for again and
/// resumed, though nobody asked and though its pack was paused.
#[test]
fn a_failed_download_stays_failed_and_paused_across_a_restart() {
    use harness::ops::Op::*;
    use harness::ops::{Fault, Sel};
    let ops = [
        Register,
        Fault(Fault::Corrupt),
        Remove(2),
        Ensure(2),
        Settle,
        Pause(Sel::Pack(2)),
        Fault(Fault::Slow),
        Restart,
    ];
    let checks = [Check::RestartKeepsState, Check::PauseIsIntent];
    harness::replay("failed across a restart", &ops, &checks, 3);
}

/// Found by reading: a pack unlisted for two manifest checks was forgotten with the user's
/// pause; listed again, it started as a fresh pack, its policy wanting it, and downloaded.
#[test]
fn a_pause_outlives_the_pack_s_absence_from_the_manifest() {
    use harness::ops::Op::*;
    use harness::ops::{Fault, Sel};
    let ops = [
        Register,
        Remove(2),
        Pause(Sel::Pack(2)),
        Unlist(2),
        CheckUpdates,
        CheckUpdates,
        Fault(Fault::Slow),
        Relist(2),
        CheckUpdates,
        Languages("en"),
    ];
    harness::replay("a pause while unlisted", &ops, &[Check::PauseIsIntent], 5);
}

#[test]
fn a_language_change_during_an_install_never_shows_two_installs_at_once() {
    use harness::ops::{Fault, Op::*};
    let ops = [
        Languages("fr"),
        Languages("fr"),
        Register,
        Remove(0),
        Fault(Fault::Corrupt),
        EnsureLatest(2),
        Languages("fr"),
        Remove(5),
        Ensure(4),
    ];
    harness::replay(
        "install during a language change",
        &ops,
        &[Check::OneInstallAtATime],
        5,
    );
}

/// Found by the long run: a pack paused just after a stall showed 0 partial bytes (the last
/// progress report) with 12,288 on disk, and the real size after a restart. A stopped worker
/// now reports what its partial file keeps.
#[test]
fn a_paused_pack_shows_the_bytes_its_partial_file_keeps() {
    use harness::ops::{Fault, Op::*, Sel, To};
    let ops = [
        Fault(Fault::Stall),
        Register,
        EnsureLatest(0),
        Pause(Sel::Pack(4)),
        NewVersion(3),
        Prioritize(2, To::Top),
        Pause(Sel::App),
        Restart,
        Fault(Fault::Slow),
    ];
    let checks = [Check::PausedStaysPaused, Check::PauseIsIntent];
    harness::replay("paused after a stall", &ops, &checks, 5);
}
