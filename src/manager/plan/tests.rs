//! The plan's decisions, one situation each; many of them guard the bugs of issue 12.

use super::*;
use crate::engine::PauseReason;
use crate::manager::state::{InstalledPack, WantedBy};
use crate::model::{App, ErrorKind, InstallationEvent, ManifestPack, Sha256Digest};

const ESSENTIAL: &str = r#"{"essential": {"installationEventTypes": ["firstInstallation"]}}"#;
const PREFETCH: &str = r#"{"prefetch": {"installationEventTypes": ["firstInstallation"]}}"#;
const ON_DEMAND: &str = r#"{"onDemand": {}}"#;

fn app(extra: &str) -> AppRecord {
    let plist = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict>
<key>CFBundleIdentifier</key><string>org.example.game</string>
<key>CFBundleVersion</key><string>1</string>
<key>BAManifestURL</key><string>http://127.0.0.1:9/manifest.json</string>
<key>BAHasManagedAssetPacks</key><true/>{extra}</dict></plist>"#
    );
    AppRecord {
        app: App::parse("test", plist.as_bytes()).unwrap(),
        source: "/tmp/Info.plist".into(),
        icon: None,
        event: InstallationEvent::FirstInstallation,
        manifest_etag: None,
        manifest_base: Some(url::Url::parse("http://127.0.0.1:9/manifest.json").unwrap()),
        last_checked_ms: Some(1),
        manifest_error: None,
        paused: None,
        packs: Default::default(),
    }
}

fn listed(id: &str, policy: &str, version: u64) -> ManifestPack {
    serde_json::from_str(&format!(
        r#"{{"assetPackID": "{id}", "version": {version}, "downloadPolicy": {policy},
            "url": "packs/{id}-{version}.zip", "downloadSize": 100, "installSize": 100,
            "sha256": "{}"}}"#,
        "ab".repeat(32)
    ))
    .unwrap()
}

fn add<'a>(record: &'a mut AppRecord, id: &str, policy: &str, wanted: bool) -> &'a mut PackRecord {
    let index = record.packs.len();
    let mut pack = PackRecord::listed(listed(id, policy, 1), index);
    pack.intent.wanted = wanted.then_some(WantedBy::Policy);
    record.packs.insert(id.into(), pack);
    record.packs.get_mut(id).unwrap()
}

fn installed(version: u64) -> Option<InstalledPack> {
    Some(InstalledPack {
        version,
        bytes: 100,
        sha256: Sha256Digest([0xab; 32]),
        installed_at_ms: 1,
    })
}

fn mirror(id: &str, version: u64, state: DownloadState) -> Option<Mirror> {
    let url = url::Url::parse(&format!("http://127.0.0.1:9/packs/{id}-{version}.zip")).unwrap();
    let mut m = Mirror::queued(
        DownloadKey::new("org.example.game", id, version),
        url,
        "/tmp/p".into(),
        100,
    );
    m.state = state;
    Some(m)
}

fn key(id: &str, version: u64) -> DownloadKey {
    DownloadKey::new("org.example.game", id, version)
}

fn run(
    record: &AppRecord,
    paused_all: bool,
) -> (Launch, std::collections::BTreeMap<String, PackPlan>) {
    let languages = vec!["en".to_string()];
    let input = Input {
        app: "org.example.game",
        record,
        paused_all,
        languages: &languages,
        insecure_hosts: &[],
    };
    let (launch, plans) = plan(&input, None);
    (launch, plans.into_iter().collect())
}

fn starts(plan: &PackPlan) -> bool {
    plan.actions
        .iter()
        .any(|a| matches!(a, Action::Start { .. }))
}

#[test]
fn essential_removal_leaves_the_app_launch_ready_and_prefetch_going() {
    let mut record = app("");
    add(&mut record, "Tutorial", ESSENTIAL, false)
        .intent
        .policy_seen = Some("1".into());
    add(&mut record, "Music", PREFETCH, true);
    let (launch, plans) = run(&record, false);
    assert!(launch.ready, "{launch:?}");
    assert!(starts(&plans["Music"]), "{:?}", plans["Music"]);
    assert!(plans["Tutorial"].actions.is_empty());
    assert_eq!(plans["Tutorial"].activity, Activity::Idle);
}

#[test]
fn prefetch_waits_behind_essentials_shown_queued_with_why() {
    let mut record = app("");
    add(&mut record, "Tutorial", ESSENTIAL, true);
    add(&mut record, "Music", PREFETCH, true);
    let (launch, plans) = run(&record, false);
    assert!(
        !launch.ready && launch.waiting_for == ["Tutorial"],
        "{launch:?}"
    );
    assert!(starts(&plans["Tutorial"]));
    let music = &plans["Music"];
    assert!(
        !starts(music) && music.activity == Activity::Queued,
        "{music:?}"
    );
    assert!(music.reason.contains("essential") && music.reason.contains("Tutorial"));
}

#[test]
fn pause_all_starts_a_newly_due_download_paused() {
    let mut record = app("");
    add(&mut record, "Music", PREFETCH, true);
    let (_, plans) = run(&record, true);
    let music = &plans["Music"];
    assert!(music.actions.is_empty(), "{music:?}");
    assert!(
        music.activity.is_paused() && music.reason.contains("Pause all"),
        "{music:?}"
    );
}

#[test]
fn resuming_one_pack_while_all_are_paused_starts_it() {
    let mut record = app("");
    add(&mut record, "Music", PREFETCH, true).intent.paused = Some(false);
    add(&mut record, "Voices", PREFETCH, true);
    let (_, plans) = run(&record, true);
    assert!(starts(&plans["Music"]), "{:?}", plans["Music"]);
    assert!(plans["Voices"].activity.is_paused());
}

#[test]
fn pause_all_pauses_a_running_download_and_keeps_it_paused() {
    let mut record = app("");
    add(&mut record, "Music", PREFETCH, true).live.download =
        mirror("Music", 1, DownloadState::Downloading);
    let (_, plans) = run(&record, true);
    assert_eq!(plans["Music"].actions, [Action::Pause(key("Music", 1))]);
    let paused = DownloadState::Paused {
        reason: PauseReason::Requested,
    };
    record.packs.get_mut("Music").unwrap().live.download = mirror("Music", 1, paused);
    let (_, plans) = run(&record, true);
    assert!(plans["Music"].actions.is_empty() && plans["Music"].activity.is_paused());
}

#[test]
fn unpausing_a_pack_paused_in_the_engine_resumes_it() {
    let mut record = app("");
    let pack = add(&mut record, "Bonus", ON_DEMAND, true);
    pack.intent.paused = Some(false);
    pack.live.download = mirror(
        "Bonus",
        1,
        DownloadState::Paused {
            reason: PauseReason::Requested,
        },
    );
    let (_, plans) = run(&record, false);
    assert_eq!(plans["Bonus"].actions, [Action::Resume(key("Bonus", 1))]);
    assert_eq!(plans["Bonus"].activity, Activity::Queued);
}

#[test]
fn a_preempted_download_shows_queued_with_why_not_paused() {
    let mut record = app("");
    add(&mut record, "Music", PREFETCH, true).live.download = mirror(
        "Music",
        1,
        DownloadState::Paused {
            reason: PauseReason::Preempted,
        },
    );
    let (_, plans) = run(&record, false);
    let music = &plans["Music"];
    assert!(music.actions.is_empty());
    assert_eq!(music.activity, Activity::Queued);
    assert!(music.reason.contains("by itself"), "{}", music.reason);
}

#[test]
fn language_fallback_takes_the_manifests_first_variant() {
    let mut record = app("");
    for (id, lang) in [("Voices-fr", "fr"), ("Voices-de", "de")] {
        let mut pack = listed(id, PREFETCH, 1);
        pack.localization_group = Some("Voices".into());
        pack.languages = vec![lang.into()];
        let index = record.packs.len();
        let mut record_pack = PackRecord::listed(pack, index);
        record_pack.intent.wanted = Some(WantedBy::Policy);
        record.packs.insert(id.into(), record_pack);
    }
    let (_, plans) = run(&record, false); // languages: en, matching neither
    assert!(
        starts(&plans["Voices-fr"]),
        "the first listed, not the first by name"
    );
    assert!(!starts(&plans["Voices-de"]));
    assert!(plans["Voices-de"].reason.contains("Voices-fr"));
}

#[test]
fn no_launch_after_a_failed_first_manifest_fetch() {
    let mut record = app("");
    record.manifest_base = None;
    record.manifest_error = Some(PackError::new(ErrorKind::Network, "connection refused"));
    let (launch, _) = run(&record, false);
    assert!(!launch.ready);
    assert!(
        launch.reason.contains("connection refused"),
        "{}",
        launch.reason
    );
}

#[test]
fn removal_during_an_install_cancels_it() {
    let mut record = app("");
    let pack = add(&mut record, "Bonus", ON_DEMAND, false);
    pack.live.installing = Some(1);
    let (_, plans) = run(&record, false);
    assert_eq!(
        plans["Bonus"].actions,
        [Action::CancelInstall {
            pack: "Bonus".into()
        }]
    );
    assert!(plans["Bonus"].reason.contains("stopping"));
}

#[test]
fn an_installed_pack_no_longer_listed_is_marked_obsolete_once_and_kept() {
    let mut record = app("");
    let pack = add(&mut record, "Old", ON_DEMAND, true);
    pack.observed.listed = None;
    pack.observed.installed = installed(1);
    let (_, plans) = run(&record, false);
    assert_eq!(
        plans["Old"].actions,
        [Action::MarkObsolete { pack: "Old".into() }]
    );
    record.packs.get_mut("Old").unwrap().observed.obsolete = true;
    let (_, plans) = run(&record, false);
    assert!(plans["Old"].actions.is_empty());
    assert!(plans["Old"].reason.contains("obsolete"));
}

#[test]
fn a_person_removing_an_installed_pack_deletes_it() {
    let mut record = app("");
    add(&mut record, "Bonus", ON_DEMAND, false)
        .observed
        .installed = installed(1);
    let (_, plans) = run(&record, false);
    assert_eq!(
        plans["Bonus"].actions,
        [Action::Delete {
            pack: "Bonus".into()
        }]
    );
}

#[test]
fn a_finished_download_is_installed() {
    let mut record = app("");
    add(&mut record, "Bonus", ON_DEMAND, true).live.download =
        mirror("Bonus", 1, DownloadState::Finished);
    let (_, plans) = run(&record, false);
    assert_eq!(plans["Bonus"].actions, [Action::Install(key("Bonus", 1))]);
    assert_eq!(plans["Bonus"].activity, Activity::Installing);
}

#[test]
fn a_newer_listed_version_replaces_the_download_of_the_older() {
    let mut record = app("");
    let pack = add(&mut record, "Bonus", ON_DEMAND, true);
    pack.observed.installed = installed(1);
    pack.observed.listed = Some(listed("Bonus", ON_DEMAND, 3));
    pack.live.download = mirror("Bonus", 2, DownloadState::Downloading);
    let (_, plans) = run(&record, false);
    let actions = &plans["Bonus"].actions;
    assert_eq!(actions[0], Action::Cancel(key("Bonus", 2)));
    assert!(matches!(&actions[1], Action::Start { key: k, .. } if *k == key("Bonus", 3)));
}

#[test]
fn a_download_listed_at_a_new_url_is_relocated() {
    let mut record = app("");
    let pack = add(&mut record, "Bonus", ON_DEMAND, true);
    pack.observed.listed.as_mut().unwrap().url = "moved/Bonus-1.zip".into();
    pack.live.download = mirror("Bonus", 1, DownloadState::Downloading);
    let (_, plans) = run(&record, false);
    assert!(matches!(
        &plans["Bonus"].actions[..],
        [Action::Relocate { url, .. }] if url.path() == "/moved/Bonus-1.zip"
    ));
}

#[test]
fn a_pack_over_the_apps_cap_fails_naming_the_limit() {
    let mut record = app("<key>BAMaxInstallSize</key><integer>50</integer>");
    add(&mut record, "Bonus", ON_DEMAND, true);
    let (_, plans) = run(&record, false);
    let bonus = &plans["Bonus"];
    assert!(
        matches!(&bonus.actions[..], [Action::Fail { error, .. }] if error.kind == ErrorKind::InstallSizeExceeded)
    );
    assert!(
        bonus.reason.contains("BAMaxInstallSize"),
        "{}",
        bonus.reason
    );
}

#[test]
fn a_failed_pack_stays_failed_until_asked_again() {
    let mut record = app("");
    add(&mut record, "Bonus", ON_DEMAND, true).live.failed = Some(PackError::new(
        ErrorKind::ChecksumMismatch,
        "sha256 differs",
    ));
    let (_, plans) = run(&record, false);
    assert!(plans["Bonus"].actions.is_empty());
    assert!(plans["Bonus"].activity.is_failed());
    assert!(
        plans["Bonus"].reason.contains("checksumMismatch"),
        "{}",
        plans["Bonus"].reason
    );
}

#[test]
fn an_essential_failure_makes_the_app_launch_ready_without_it() {
    let mut record = app("");
    add(&mut record, "Tutorial", ESSENTIAL, true).live.failed =
        Some(PackError::new(ErrorKind::Network, "down"));
    add(&mut record, "Music", PREFETCH, true);
    let (launch, plans) = run(&record, false);
    assert!(launch.ready && launch.essential_failed == ["Tutorial"]);
    assert!(starts(&plans["Music"]));
}

#[test]
fn an_on_demand_pack_nobody_asked_for_says_so() {
    let mut record = app("");
    add(&mut record, "Bonus", ON_DEMAND, false);
    let (_, plans) = run(&record, false);
    assert!(plans["Bonus"].actions.is_empty());
    assert!(plans["Bonus"].reason.contains("on demand"));
}

#[test]
fn a_download_of_a_version_newer_than_listed_is_kept_for_the_next_check() {
    let mut record = app("");
    let pack = add(&mut record, "Levels", ON_DEMAND, true);
    pack.observed.installed = installed(1);
    pack.live.download = mirror("Levels", 2, DownloadState::Downloading);
    let (_, plans) = run(&record, false);
    assert!(plans["Levels"].actions.is_empty(), "{:?}", plans["Levels"]);
}
