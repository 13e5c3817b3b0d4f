//! "The state file reloads to the same state": the status document before a restart and the
//! one right after, less what is volatile (activity, progress, times, attempts) and less what
//! may rightly change in the moment between (a pack at work may finish; a manifest the manager
//! had not read yet is read at start-up). A pack failed before is failed after.

use std::collections::BTreeMap;

use super::adapter::Seen;
use super::world::{Listing, PACKS};

/// The facts a restart keeps, as `key → value` lines. `listing` is what the server lists:
/// when the document before does not show it yet, the start-up fetch may change what is listed
/// (and with it wants, order and obsolete removals), so only the app's own facts are kept.
/// `before`: a pack's installed version is a fact only while it is at rest and nothing is due
/// (a pack at work may finish in the moment of the restart); after, it always is.
pub fn stable(seen: &Seen, listing: &Listing, before: bool) -> BTreeMap<String, String> {
    let mut facts = BTreeMap::new();
    facts.insert("languages".into(), format!("{:?}", seen.languages));
    let Some(app) = seen.app() else {
        return facts;
    };
    facts.insert("app.bundleVersion".into(), app.bundle_version.clone());
    facts.insert("app.updating".into(), app.updating.to_string());
    let up_to_date = PACKS.iter().enumerate().all(|(i, def)| {
        let shown = app
            .packs
            .iter()
            .find(|p| p.id == def.id)
            .and_then(|p| p.listed);
        shown == listing.listed[i].then_some(listing.versions[i])
    });
    if !up_to_date {
        return facts;
    }
    for pack in &app.packs {
        let key = |field: &str| format!("{}.{field}", pack.id);
        facts.insert(key("listed"), format!("{:?}", pack.listed));
        facts.insert(key("wanted"), pack.wanted.to_string());
        facts.insert(key("order"), pack.order.to_string());
        facts.insert(key("chosenVariant"), pack.chosen_variant.to_string());
        // A failure stands until the user or the app asks again: a restart is not asking.
        if !before || pack.failed() {
            facts.insert(key("failed"), pack.failed().to_string());
        }
        let at_rest = matches!(pack.state.as_str(), "idle" | "paused");
        if !before || (at_rest && (pack.current() || !pack.wanted)) {
            facts.insert(key("installed"), format!("{:?}", pack.installed));
        }
    }
    facts
}

/// The facts of `before` that `after` lost or changed, one line each.
pub fn differences(
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
) -> Vec<String> {
    before
        .iter()
        .filter(|(key, value)| after.get(*key) != Some(value))
        .map(|(key, value)| format!("{key}: {value} before, {:?} after", after.get(key)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_or_changed_fact_is_named() {
        let before = BTreeMap::from([("a".into(), "1".into()), ("b".into(), "2".into())]);
        let after = BTreeMap::from([("a".into(), "1".into()), ("b".into(), "3".into())]);
        assert_eq!(
            differences(&before, &after),
            ["b: 2 before, Some(\"3\") after"]
        );
        assert!(differences(&before, &before).is_empty());
    }
}
