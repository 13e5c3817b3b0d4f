//! State files of version 1 (intent and observation mixed in one flat record per pack) and
//! their migration to the current version: `wanted` becomes an intent wanted by the policy (an
//! installed pack is kept wanted, so a migration never deletes one), `priority` and
//! `policySeen` move to the intent, the rest to the observation. Version 1 had no pause.

use std::collections::{BTreeMap, VecDeque};

use serde::Deserialize;

use super::{AppRecord, Intent, ManagerState, Observed, PackRecord, WantedBy};
use crate::manager::view::TimelineEntry;
use crate::model::{ManifestPack, PackError};

/// A version 1 state file.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StateV1 {
    #[serde(default)]
    apps: BTreeMap<String, AppV1>,
}

/// A version 1 app: the current app record, with version 1 packs.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AppV1 {
    #[serde(flatten)]
    app: AppRecord,
    #[serde(default, rename = "packs")]
    packs_v1: BTreeMap<String, PackV1>,
}

/// A version 1 pack record.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PackV1 {
    listed: Option<ManifestPack>,
    #[serde(default)]
    installed: Option<super::InstalledPack>,
    #[serde(default)]
    wanted: bool,
    #[serde(default)]
    policy_seen: Option<String>,
    #[serde(default)]
    priority: i64,
    #[serde(default)]
    attempts: u32,
    #[serde(default)]
    last_error: Option<PackError>,
    #[serde(default)]
    timeline: VecDeque<TimelineEntry>,
}

/// Reads a version 1 state file as the current version.
pub fn migrate(text: &str) -> Result<ManagerState, String> {
    let old: StateV1 = serde_json::from_str(text).map_err(|e| format!("version 1: {e}"))?;
    let apps = old
        .apps
        .into_iter()
        .map(|(id, AppV1 { mut app, packs_v1 })| {
            // The manifest's order is not in version 1: the priority it gave (-index) is.
            app.packs = packs_v1
                .into_iter()
                .map(|(pack, old)| (pack, upgrade(old)))
                .collect();
            (id, app)
        })
        .collect();
    Ok(ManagerState {
        apps,
        ..ManagerState::default()
    })
}

fn upgrade(old: PackV1) -> PackRecord {
    let wanted = (old.wanted || old.installed.is_some()).then_some(WantedBy::Policy);
    PackRecord {
        intent: Intent {
            wanted,
            paused: None,
            priority: old.priority,
            pinned: false,
            policy_seen: old.policy_seen,
        },
        observed: Observed {
            listed: old.listed,
            manifest_index: usize::try_from(old.priority.unsigned_abs()).unwrap_or(usize::MAX),
            installed: old.installed,
            obsolete: false,
            attempts: old.attempts,
            last_error: old.last_error,
            verdict: None,
            timeline: old.timeline,
        },
        live: Default::default(),
    }
}

#[cfg(test)]
mod tests {

    const V1: &str = include_str!("../../../tests/data/state/v1.json");

    #[test]
    fn a_version_1_file_keeps_installed_packs_wanted_and_priorities() {
        let state = crate::manager::state::parse(V1).unwrap();
        assert_eq!(state.version, super::super::STATE_VERSION);
        let app = &state.apps["org.example.game"];
        let bonus = &app.packs["Bonus"];
        assert_eq!(
            bonus.intent.wanted, None,
            "an on-demand pack nobody asked for"
        );
        assert_eq!(bonus.intent.priority, -2);
        assert_eq!(bonus.intent.policy_seen.as_deref(), Some("100"));
        assert!(bonus.observed.listed.is_some());
        for pack in app.packs.values() {
            if pack.observed.installed.is_some() {
                assert!(pack.intent.wanted.is_some(), "{pack:?}");
            }
            assert_eq!(pack.intent.paused, None);
        }
        assert!(!state.paused_all);
    }
}
