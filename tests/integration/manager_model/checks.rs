//! What must hold after every step, as pure functions of one status document and what the
//! test itself asked for ([`Intent`]). Each check has a name; a sequence runs with a set of
//! them on, so a check that today's manager fails can be kept (and run on its own) without
//! making the suite red. The checks that read files or wait live in `driver`.

use std::collections::{BTreeMap, BTreeSet};

use super::adapter::{AppSeen, PackSeen, Seen};
use super::world::{Listing, PACKS, index_of};

/// A named property of the manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Check {
    /// The sequence ran to its end: neither the harness nor the manager panicked.
    NoPanic,
    /// An installed pack's files are exactly its archive's, of the version shown installed.
    VerifiedBytes,
    /// A pack shown not installed has nothing at its place in the container.
    NoUntrackedFiles,
    /// No second install of a pack begins while one runs.
    OneInstallAtATime,
    /// A download seen paused moves no byte until it is resumed, ensured or removed, or its
    /// version changes.
    PausedStaysPaused,
    /// A pause is the user's intent: every pack it selects moves no byte until resumed or
    /// ensured, across update checks, new versions, removal and restarts.
    PauseIsIntent,
    /// Launch-ready iff every wanted essential pack of the app's event is installed or failed.
    LaunchReady,
    /// An app is never launch-ready before a manifest was read.
    ReadyWithoutManifest,
    /// A removed (unwanted) essential pack does not keep the app from launching.
    RemovedEssentialBlocksLaunch,
    /// Failures, retries, manifest errors and an app not ready say why (today's fields).
    Reasons,
    /// Every state shown that is not plain idle-and-done carries a reason.
    ReasonField,
    /// After a restart the status document is the one before, less what is volatile.
    RestartKeepsState,
    /// Once nothing is in progress, every wanted pack not paused is installed or failed.
    Settles,
    /// A removed essential pack does not hold back the app's other downloads.
    RemovedEssentialBlocksDownloads,
    /// `ensure` on a paused pack resumes it.
    EnsureResumes,
    /// `ensure(requireLatest: true)` reads the manifest first: the version the server lists
    /// is the one listed when it returns.
    EnsureLatestRereads,
    /// A pack ensured stays wanted until it is removed or unlisted.
    EnsureWants,
    /// The chosen language variant follows the preferred languages, falling back to the
    /// manifest's first variant.
    LanguageChoice,
}

/// A check that failed, at which step, and how.
#[derive(Debug, Clone)]
pub struct Violation {
    pub check: Check,
    pub step: usize,
    pub what: String,
}

/// What the test asked of the manager and the server, which the document must agree with.
#[derive(Debug, Clone, Default)]
pub struct Intent {
    /// What the server lists now.
    pub listing: Listing,
    /// Downloads seen paused, with their partial bytes then (the least seen since).
    pub seen_paused: BTreeMap<usize, Still>,
    /// Packs a pause selected, with their partial bytes then (the least seen since).
    pub paused: BTreeMap<usize, Still>,
    /// Packs ensured since they were last removed or unlisted.
    pub ensured: BTreeSet<usize>,
}

/// A paused pack's partial bytes (the least seen since the pause) and the version listed then.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Still {
    pub partial: u64,
    pub listed: Option<u64>,
}

/// Whether pack `index` is essential for the app's current installation event.
pub fn essential(index: usize, app: &AppSeen) -> bool {
    let def = &PACKS[index];
    if app.updating {
        def.essential_update
    } else {
        def.essential_first
    }
}

/// Whether the pack counts for launch readiness: listed, essential for the app's event, and
/// (for a language variant) the chosen one.
pub fn counts_for_launch(pack: &PackSeen, app: &AppSeen) -> bool {
    let chosen = PACKS[index_of(&pack.id).unwrap_or(0)].group.is_none() || pack.chosen_variant;
    pack.listed.is_some() && chosen && index_of(&pack.id).is_some_and(|i| essential(i, app))
}

/// Launch readiness, classified by which rule the document breaks.
pub fn launch_ready(seen: &Seen) -> Vec<(Check, String)> {
    let Some(app) = seen.app() else { return vec![] };
    if app.launch_ready && !app.manifest_read {
        return vec![(
            Check::ReadyWithoutManifest,
            format!(
                "launch-ready with no manifest read (error: {:?})",
                app.manifest_error
            ),
        )];
    }
    let pending = |with_unwanted: bool| -> Vec<&str> {
        let packs = app.packs.iter().filter(|p| counts_for_launch(p, app));
        packs
            .filter(|p| p.wanted || with_unwanted)
            .filter(|p| !p.current() && !p.failed())
            .map(|p| p.id.as_str())
            .collect()
    };
    let wanted = pending(false);
    let expected = app.manifest_read && wanted.is_empty();
    if app.launch_ready == expected {
        return vec![];
    }
    let all = pending(true);
    let check = if app.launch_ready == (app.manifest_read && all.is_empty()) {
        Check::RemovedEssentialBlocksLaunch
    } else {
        Check::LaunchReady
    };
    vec![(
        check,
        format!(
            "launchReady {} but wanted essentials pending: {wanted:?} (with unwanted: {all:?}), \
             waitingFor {:?}",
            app.launch_ready, app.waiting_for
        ),
    )]
}

/// Failures, retries, manifest errors and an app that is not ready say why.
pub fn reasons(seen: &Seen) -> Vec<(Check, String)> {
    let Some(app) = seen.app() else { return vec![] };
    let mut found = Vec::new();
    let empty = |m: &Option<String>| m.as_deref().is_none_or(|m| m.trim().is_empty());
    for pack in &app.packs {
        if matches!(pack.state.as_str(), "failed" | "retrying") && empty(&pack.state_message) {
            found.push((
                Check::Reasons,
                format!("{} is {} without a message", pack.id, pack.state),
            ));
        }
        if pack
            .last_error
            .as_deref()
            .is_some_and(|m| m.trim().is_empty())
        {
            found.push((Check::Reasons, format!("{}: an empty last error", pack.id)));
        }
        let settled = pack.state == "idle" && (pack.current() || !pack.wanted);
        if !settled && empty(&pack.reason) {
            let what = format!(
                "{} shows {} (wanted {}) without a reason",
                pack.id, pack.state, pack.wanted
            );
            found.push((Check::ReasonField, what));
        }
    }
    if !app.launch_ready
        && app.checked
        && app.waiting_for.is_empty()
        && app.manifest_error.is_none()
    {
        found.push((
            Check::Reasons,
            "not launch-ready, waiting for nothing, no error".into(),
        ));
    }
    found
}

/// The chosen variant of the `Voice` group: the first listed variant (in manifest order) of
/// the first preferred language that has one, else the manifest's first.
pub fn language_choice(seen: &Seen) -> Vec<(Check, String)> {
    let Some(app) = seen.app() else { return vec![] };
    let variants: Vec<(&PackSeen, &str)> = PACKS
        .iter()
        .filter_map(|def| Some((app.packs.iter().find(|p| p.id == def.id)?, def.group?.1)))
        .filter(|(p, _)| p.listed.is_some())
        .collect();
    let expected = seen
        .languages
        .iter()
        .find_map(|tag| {
            let base = tag.split('-').next().unwrap_or(tag);
            variants.iter().find(|(_, language)| *language == base)
        })
        .or(variants.first())
        .map(|(p, _)| p.id.as_str());
    let chosen: Vec<&str> = variants
        .iter()
        .filter(|(p, _)| p.chosen_variant)
        .map(|(p, _)| p.id.as_str())
        .collect();
    if chosen != expected.into_iter().collect::<Vec<_>>() {
        let what = format!(
            "languages {:?}: chosen {chosen:?}, expected {expected:?}",
            seen.languages
        );
        return vec![(Check::LanguageChoice, what)];
    }
    vec![]
}

/// Paused packs move no byte: `tracked` maps each to the partial bytes it had; the least seen
/// is kept (a removal may delete the partial file).
pub fn paused(
    seen: &Seen,
    tracked: &mut BTreeMap<usize, Still>,
    check: Check,
) -> Vec<(Check, String)> {
    let mut found = Vec::new();
    for (&index, still) in tracked.iter_mut() {
        let Some(pack) = seen.pack(PACKS[index].id) else {
            continue;
        };
        if pack.transferring() || pack.partial_bytes > still.partial {
            let what = format!(
                "{} is paused but shows {} with {} partial bytes (had {})",
                pack.id, pack.state, pack.partial_bytes, still.partial
            );
            found.push((check, what));
        }
        still.partial = still.partial.min(pack.partial_bytes);
    }
    found
}

/// Ensured packs stay wanted.
pub fn ensured(seen: &Seen, intent: &Intent) -> Vec<(Check, String)> {
    intent
        .ensured
        .iter()
        .filter_map(|&i| seen.pack(PACKS[i].id))
        .filter(|p| p.listed.is_some() && !p.wanted)
        .map(|p| {
            (
                Check::EnsureWants,
                format!("{} was ensured but is not wanted", p.id),
            )
        })
        .collect()
}

/// Every check of one document.
pub fn document(seen: &Seen, intent: &mut Intent) -> Vec<(Check, String)> {
    let mut found = launch_ready(seen);
    found.extend(reasons(seen));
    found.extend(language_choice(seen));
    found.extend(ensured(seen, intent));
    found.extend(paused(
        seen,
        &mut intent.seen_paused,
        Check::PausedStaysPaused,
    ));
    found.extend(paused(seen, &mut intent.paused, Check::PauseIsIntent));
    found
}

#[cfg(test)]
mod tests;
