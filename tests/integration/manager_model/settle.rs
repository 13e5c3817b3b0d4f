//! The checks once the app has settled, and what "settled" means: nothing at work (or only
//! downloads queued behind a pause), then every wanted pack not paused is in or failed.

use super::adapter::{PackSeen, Seen};
use super::checks::{Check, Intent, counts_for_launch};
use super::world::index_of;

/// After settling: every wanted, listed pack that is not paused is installed at its listed
/// version or failed. Packs behind a paused essential wait by design; one held back by a
/// removed essential is classified as such; a pack shown paused that no pause selects breaks
/// [`Check::EnsureResumes`].
pub fn settled(seen: &Seen, intent: &Intent) -> Vec<(Check, String)> {
    let Some(app) = seen.app() else { return vec![] };
    let paused_by_test =
        |p: &PackSeen| index_of(&p.id).is_some_and(|i| intent.paused.contains_key(&i));
    let pending_essential =
        |p: &&PackSeen| counts_for_launch(p, app) && !p.current() && !p.failed();
    let removed_essential = app
        .packs
        .iter()
        .filter(pending_essential)
        .any(|p| !p.wanted);
    let paused_essential = app
        .packs
        .iter()
        .filter(pending_essential)
        .any(|p| p.wanted && (p.state == "paused" || paused_by_test(p)));
    let mut found = Vec::new();
    for pack in &app.packs {
        if pack.state == "paused" && !paused_by_test(pack) {
            let what = format!("{} shows paused, though no pause selects it now", pack.id);
            found.push((Check::EnsureResumes, what));
            continue;
        }
        if !pack.wanted || pack.listed.is_none() || pack.failed() || pack.current() {
            continue;
        }
        let essential = counts_for_launch(pack, app);
        if pack.state == "paused" || paused_by_test(pack) || (paused_essential && !essential) {
            continue;
        }
        let check = match removed_essential && !essential {
            true => Check::RemovedEssentialBlocksDownloads,
            false => Check::Settles,
        };
        let what = format!(
            "{} is wanted, {} and not installed (installed {:?}, listed {:?})",
            pack.id, pack.state, pack.installed, pack.listed
        );
        found.push((check, what));
    }
    found
}

/// How quiet the app is: `Some(true)` when nothing is at work (no transfer, verification,
/// install or queued download), `Some(false)` when only queued downloads wait and a pause may
/// be what they wait behind, `None` otherwise.
pub fn quiet(seen: &Seen, intent: &Intent) -> Option<bool> {
    let Some(app) = seen.app() else {
        return Some(true);
    };
    let paused = !intent.paused.is_empty() || app.packs.iter().any(|p| p.state == "paused");
    let queued = app.packs.iter().any(|p| p.state == "queued");
    let working = app.packs.iter().any(|p| p.busy() && p.state != "queued");
    match (app.checked && !working, queued) {
        (true, false) => Some(true),
        (true, true) if paused => Some(false),
        _ => None,
    }
}
