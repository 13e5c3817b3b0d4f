//! Where a pack's download stands in the queue, as pure functions of its record: the engine
//! priority its download gets (the person's "move to top" first; what a person or the app asked
//! for by name, in the engine's foreground band, before background work; the rest by the order
//! the person set) and the key of the app's download order the window shows (which depends on
//! intent alone, so that a download ending never reorders the list).

use std::cmp::Reverse;

use super::state::{PackRecord, WantedBy};
use crate::engine::Priority;

/// Half the width of the bands a person's order (`intent.priority`) is kept in.
const BAND: i64 = 1 << 39;

/// Whether `pack`'s download was asked for by name (the app's `ensure`, a person's Download)
/// and is still to come: it runs before background work (prefetch, updates the policy
/// wants). Essential packs rank above it anyway.
pub fn is_foreground(pack: &PackRecord) -> bool {
    let Some(listed) = &pack.observed.listed else {
        return false;
    };
    let asked = matches!(pack.intent.wanted, Some(WantedBy::App | WantedBy::Person));
    let installed = pack.observed.installed.as_ref().map(|i| i.version);
    asked && !listed.download_policy.is_essential() && installed != Some(listed.version)
}

/// The engine priority of `pack`'s download (the top, [`Priority::MAX`], is set apart by
/// "move to top").
pub fn download_priority(pack: &PackRecord) -> i64 {
    let order = pack.intent.priority.clamp(-BAND, BAND);
    if is_foreground(pack) {
        Priority::FOREGROUND.0 + BAND + order
    } else {
        order.min(Priority::FOREGROUND.0 - 1)
    }
}

/// The sort key of the app's download order: moved to the top first, then essential packs,
/// then by the order the person set, then by id.
pub fn order_key<'a>(
    id: &'a str,
    pack: &PackRecord,
) -> (Reverse<bool>, Reverse<bool>, Reverse<i64>, &'a str) {
    let essential = pack
        .observed
        .listed
        .as_ref()
        .is_some_and(|l| l.download_policy.is_essential());
    (
        Reverse(pack.intent.pinned),
        Reverse(essential),
        Reverse(pack.intent.priority),
        id,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manager::state::InstalledPack;
    use crate::model::{ManifestPack, Sha256Digest};

    const ESSENTIAL: &str = r#"{"essential": {"installationEventTypes": ["firstInstallation"]}}"#;
    const PREFETCH: &str = r#"{"prefetch": {"installationEventTypes": ["firstInstallation"]}}"#;
    const ON_DEMAND: &str = r#"{"onDemand": {}}"#;

    fn pack(policy: &str, wanted: Option<WantedBy>) -> PackRecord {
        let listed: ManifestPack = serde_json::from_str(&format!(
            r#"{{"assetPackID": "P", "version": 2, "downloadPolicy": {policy},
                "url": "packs/P-2.zip", "downloadSize": 100, "installSize": 100,
                "sha256": "{}"}}"#,
            "ab".repeat(32)
        ))
        .unwrap();
        let mut record = PackRecord::listed(listed, 0);
        record.intent.wanted = wanted;
        record
    }

    #[test]
    fn a_pack_asked_for_by_name_downloads_in_the_foreground_until_installed() {
        let mut asked = pack(ON_DEMAND, Some(WantedBy::Person));
        assert!(is_foreground(&asked));
        assert!(Priority(download_priority(&asked)).is_foreground());
        asked.intent.priority = -5;
        assert!(
            Priority(download_priority(&asked)).is_foreground(),
            "moved down, still asked for now"
        );
        asked.observed.installed = Some(InstalledPack {
            version: 2,
            bytes: 100,
            sha256: Sha256Digest([0xab; 32]),
            installed_at_ms: 1,
        });
        assert!(!is_foreground(&asked), "installed at the listed version");
        let background = pack(PREFETCH, Some(WantedBy::Policy));
        assert!(!Priority(download_priority(&background)).is_foreground());
        let essential = pack(ESSENTIAL, Some(WantedBy::App));
        assert!(!is_foreground(&essential), "essential ranks above anyway");
    }

    #[test]
    fn a_person_s_order_never_reaches_the_foreground_band_nor_the_top() {
        let mut background = pack(PREFETCH, Some(WantedBy::Policy));
        background.intent.priority = i64::MAX - 3;
        assert!(!Priority(download_priority(&background)).is_foreground());
        let mut asked = pack(ON_DEMAND, Some(WantedBy::App));
        asked.intent.priority = i64::MAX;
        assert!(download_priority(&asked) < Priority::MAX.0);
        asked.intent.priority = i64::MIN;
        assert!(Priority(download_priority(&asked)).is_foreground());
    }

    #[test]
    fn the_order_puts_the_pinned_pack_first_then_essentials_then_the_person_s_order() {
        let mut packs = [
            ("bg", pack(PREFETCH, Some(WantedBy::Policy))),
            ("ess", pack(ESSENTIAL, Some(WantedBy::Policy))),
            ("asked", pack(ON_DEMAND, Some(WantedBy::Person))),
            ("pinned", pack(ON_DEMAND, None)),
        ];
        packs[0].1.intent.priority = 100;
        packs[3].1.intent.pinned = true;
        let mut keys: Vec<_> = packs.iter().map(|(id, p)| order_key(id, p)).collect();
        keys.sort();
        let ids: Vec<&str> = keys.iter().map(|k| k.3).collect();
        assert_eq!(ids, ["pinned", "ess", "bg", "asked"]);
    }
}
