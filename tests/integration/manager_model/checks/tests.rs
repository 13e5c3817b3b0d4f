//! The pure checks on hand-made documents: each rule fires on the document that breaks it, is
//! classified under the right name, and stays quiet on the one that keeps it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::super::adapter::{AppSeen, PackSeen, Seen};
use super::super::settle;
use super::*;

fn pack(id: &str, installed: Option<u64>, state: &str, wanted: bool) -> PackSeen {
    PackSeen {
        id: id.into(),
        installed,
        listed: Some(1),
        state: state.into(),
        state_message: None,
        partial_bytes: 0,
        wanted,
        order: 0,
        chosen_variant: false,
        last_error: None,
        reason: None,
    }
}

fn seen(launch_ready: bool, packs: Vec<PackSeen>) -> Seen {
    Seen {
        languages: vec!["en".into()],
        apps: vec![AppSeen {
            bundle_id: super::super::world::APP.into(),
            bundle_version: "1".into(),
            updating: false,
            launch_ready,
            waiting_for: vec![],
            manifest_read: true,
            manifest_error: None,
            checked: true,
            container: PathBuf::from("/nowhere"),
            packs,
        }],
    }
}

fn names(found: &[(Check, String)]) -> Vec<Check> {
    found.iter().map(|(check, _)| *check).collect()
}

#[test]
fn launch_ready_with_a_wanted_essential_pending_is_caught() {
    let core = pack("Core", None, "downloading", true);
    assert_eq!(
        names(&launch_ready(&seen(true, vec![core.clone()]))),
        [Check::LaunchReady]
    );
    assert!(launch_ready(&seen(false, vec![core])).is_empty());
}

#[test]
fn an_installed_or_failed_essential_makes_the_app_ready() {
    let installed = pack("Core", Some(1), "idle", true);
    assert!(launch_ready(&seen(true, vec![installed.clone()])).is_empty());
    assert_eq!(
        names(&launch_ready(&seen(false, vec![installed]))),
        [Check::LaunchReady]
    );
    assert!(launch_ready(&seen(true, vec![pack("Core", None, "failed", true)])).is_empty());
}

#[test]
fn a_removed_essential_that_blocks_launch_is_named_as_such() {
    let removed = pack("Core", None, "idle", false);
    let found = launch_ready(&seen(false, vec![removed]));
    assert_eq!(names(&found), [Check::RemovedEssentialBlocksLaunch]);
}

#[test]
fn ready_before_any_manifest_is_named_as_such() {
    let mut document = seen(true, vec![]);
    document.apps[0].manifest_read = false;
    assert_eq!(
        names(&launch_ready(&document)),
        [Check::ReadyWithoutManifest]
    );
}

#[test]
fn the_fallback_variant_is_the_manifest_s_first() {
    let mut fr = pack("Voice-fr", None, "idle", true);
    let mut en = pack("Voice-en", None, "idle", false);
    let mut document = seen(true, vec![]);
    document.languages = vec!["de".into()];
    fr.chosen_variant = true;
    document.apps[0].packs = vec![fr.clone(), en.clone()];
    assert!(language_choice(&document).is_empty());
    (fr.chosen_variant, en.chosen_variant) = (false, true);
    document.apps[0].packs = vec![fr, en];
    assert_eq!(names(&language_choice(&document)), [Check::LanguageChoice]);
    document.languages = vec!["en-GB".into()];
    assert!(language_choice(&document).is_empty());
}

#[test]
fn a_paused_pack_whose_partial_file_grows_is_caught_and_the_least_size_kept() {
    let mut tracked = BTreeMap::from([(
        0,
        Still {
            partial: 100,
            listed: Some(1),
        },
    )]);
    let mut core = pack("Core", None, "paused", true);
    core.partial_bytes = 40;
    let check = Check::PauseIsIntent;
    assert!(paused(&seen(false, vec![core.clone()]), &mut tracked, check).is_empty());
    assert_eq!(tracked[&0].partial, 40);
    core.partial_bytes = 41;
    assert_eq!(
        names(&paused(
            &seen(false, vec![core.clone()]),
            &mut tracked,
            check
        )),
        [check]
    );
    core.partial_bytes = 0;
    core.state = "downloading".into();
    assert_eq!(
        names(&paused(&seen(false, vec![core]), &mut tracked, check)),
        [check]
    );
}

#[test]
fn once_settled_a_wanted_pack_not_in_is_caught_unless_it_waits_behind_a_pause() {
    let intent = Intent::default();
    let core = pack("Core", Some(1), "idle", true);
    let maps = pack("Maps", None, "idle", true);
    let found = settle::settled(&seen(true, vec![core, maps.clone()]), &intent);
    assert_eq!(names(&found), [Check::Settles]);
    let removed = pack("Core", None, "idle", false);
    let found = settle::settled(&seen(true, vec![removed, maps.clone()]), &intent);
    assert_eq!(names(&found), [Check::RemovedEssentialBlocksDownloads]);
    let mut paused = intent.clone();
    paused.paused.insert(
        0,
        Still {
            partial: 0,
            listed: Some(1),
        },
    );
    let core = pack("Core", None, "paused", true);
    assert!(settle::settled(&seen(false, vec![core.clone(), maps]), &paused).is_empty());
    assert_eq!(
        names(&settle::settled(&seen(false, vec![core]), &intent)),
        [Check::EnsureResumes]
    );
}
