//! The plan's decisions, one situation each; many of them guard the bugs of issue 12. Here:
//! launch readiness, essentials, pauses, queues and languages; `transfers`: downloads,
//! installs, removals, failures.

mod transfers;
mod veto;

use super::*;
use crate::engine::PauseReason;
use crate::manager::state::{InstalledPack, WantedBy};
use crate::model::{App, ErrorKind, InstallationEvent, ManifestPack, Sha256Digest};

pub(super) const ESSENTIAL: &str =
    r#"{"essential": {"installationEventTypes": ["firstInstallation"]}}"#;
pub(super) const PREFETCH: &str =
    r#"{"prefetch": {"installationEventTypes": ["firstInstallation"]}}"#;
pub(super) const ON_DEMAND: &str = r#"{"onDemand": {}}"#;

pub(crate) fn app(extra: &str) -> AppRecord {
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
        extension_error: None,
        content_asked_for: None,
        downloads: Default::default(),
    }
}

pub(super) fn listed(id: &str, policy: &str, version: u64) -> ManifestPack {
    serde_json::from_str(&format!(
        r#"{{"assetPackID": "{id}", "version": {version}, "downloadPolicy": {policy},
            "url": "packs/{id}-{version}.zip", "downloadSize": 100, "installSize": 100,
            "sha256": "{}"}}"#,
        "ab".repeat(32)
    ))
    .unwrap()
}

pub(super) fn add<'a>(
    record: &'a mut AppRecord,
    id: &str,
    policy: &str,
    wanted: bool,
) -> &'a mut PackRecord {
    let index = record.packs.len();
    let mut pack = PackRecord::listed(listed(id, policy, 1), index);
    pack.intent.wanted = wanted.then_some(WantedBy::Policy);
    record.packs.insert(id.into(), pack);
    record.packs.get_mut(id).unwrap()
}

pub(super) fn installed(version: u64) -> Option<InstalledPack> {
    Some(InstalledPack {
        version,
        bytes: 100,
        sha256: Sha256Digest([0xab; 32]),
        installed_at_ms: 1,
    })
}

pub(super) fn mirror(id: &str, version: u64, state: DownloadState) -> Option<Mirror> {
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

pub(super) fn key(id: &str, version: u64) -> DownloadKey {
    DownloadKey::new("org.example.game", id, version)
}

pub(super) fn run(
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
        extension: None,
    };
    let (launch, plans) = plan(&input, None);
    (launch, plans.into_iter().collect())
}

pub(super) fn starts(plan: &PackPlan) -> bool {
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
fn a_variant_the_app_asked_for_by_name_is_had_whatever_the_languages_choose() {
    let mut record = app("");
    for (id, lang) in [("Voices-en", "en"), ("Voices-fr", "fr")] {
        let mut pack = listed(id, ON_DEMAND, 1);
        pack.localization_group = Some("Voices".into());
        pack.languages = vec![lang.into()];
        let index = record.packs.len();
        record
            .packs
            .insert(id.into(), PackRecord::listed(pack, index));
    }
    if let Some(fr) = record.packs.get_mut("Voices-fr") {
        fr.intent.wanted = Some(WantedBy::App);
    }
    let (_, plans) = run(&record, false); // languages: en
    assert!(starts(&plans["Voices-fr"]), "the app asked for it by name");
    assert!(plans["Voices-fr"].wanted);
    assert!(
        !starts(&plans["Voices-en"]),
        "asking for one variant by name does not pull in the chosen one"
    );
}

#[test]
fn logged_actions_never_show_a_urls_credentials() {
    let key = DownloadKey::new("org.example.game", "Levels", 2);
    let signed: Url =
        "https://user:pw@cdn.example.com/packs/Levels-2.zip?signature=s3cr3t&expires=9"
            .parse()
            .unwrap();
    let line = logged(&[
        Action::Start {
            key: key.clone(),
            url: signed.clone(),
        },
        Action::Relocate {
            key: key.clone(),
            url: signed,
        },
        Action::Pause(key),
    ]);
    for secret in ["s3cr3t", "signature", "expires", "user", "pw@"] {
        assert!(!line.contains(secret), "{secret} in {line}");
    }
    assert_eq!(
        line.matches("https://cdn.example.com/packs/Levels-2.zip?…")
            .count(),
        2,
        "{line}"
    );
    assert!(line.contains("Pause("), "{line}");
}
