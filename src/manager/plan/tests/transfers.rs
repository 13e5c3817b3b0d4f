//! The plan's decisions on downloads, installs, removals and failures.

use super::*;

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
fn a_pause_stops_a_delta_update_but_not_an_install() {
    let mut record = app("");
    let pack = add(&mut record, "Bonus", ON_DEMAND, true);
    pack.observed.installed = installed(1);
    pack.live.installing = Some(1);
    pack.intent.paused = Some(true);
    let (_, plans) = run(&record, false);
    assert!(plans["Bonus"].actions.is_empty(), "an install finishes");
    record.packs.get_mut("Bonus").unwrap().live.delta = Some(1);
    let (_, plans) = run(&record, false);
    assert_eq!(
        plans["Bonus"].actions,
        [Action::CancelInstall {
            pack: "Bonus".into()
        }]
    );
    assert!(plans["Bonus"].reason.contains("delta update"));
    record.packs.get_mut("Bonus").unwrap().intent.paused = None;
    let (_, plans) = run(&record, false);
    assert!(plans["Bonus"].actions.is_empty());
    assert_eq!(plans["Bonus"].activity, Activity::Installing);
    assert!(plans["Bonus"].reason.contains("only the changed files"));
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
fn a_failed_download_no_longer_marked_failed_is_not_resumed_while_paused() {
    let mut record = app("");
    let failed = DownloadState::Failed {
        error: PackError::new(ErrorKind::ChecksumMismatch, "sha256 differs"),
    };
    let pack = add(&mut record, "Bonus", ON_DEMAND, true);
    pack.intent.paused = Some(true);
    pack.live.download = mirror("Bonus", 1, failed);
    let (_, plans) = run(&record, false);
    assert!(plans["Bonus"].actions.is_empty(), "{:?}", plans["Bonus"]);
    assert!(plans["Bonus"].activity.is_paused());
    record.packs.get_mut("Bonus").unwrap().intent.paused = Some(false);
    let (_, plans) = run(&record, false);
    assert_eq!(plans["Bonus"].actions, [Action::Resume(key("Bonus", 1))]);
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

#[test]
fn a_download_held_back_by_its_servers_cap_says_so_not_waiting_for_a_slot() {
    let mut record = app("");
    let mut held = mirror("Music", 1, DownloadState::Queued);
    if let Some(m) = held.as_mut() {
        m.wait = crate::engine::Wait::Host {
            host: "cdn.example.com".into(),
            limit: 2,
        };
    }
    add(&mut record, "Music", PREFETCH, true).live.download = held;
    add(&mut record, "Bonus", PREFETCH, true).live.download =
        mirror("Bonus", 1, DownloadState::Queued);
    let (_, plans) = run(&record, false);
    assert_eq!(plans["Music"].activity, Activity::Queued);
    assert_eq!(
        plans["Music"].reason,
        "waiting for a connection to cdn.example.com: it is at the limit of 2 per server"
    );
    assert_eq!(plans["Bonus"].reason, "waiting for a download slot");
}
