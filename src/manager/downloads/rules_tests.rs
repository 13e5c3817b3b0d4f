//! The rules of a new app download, one situation each.

use super::*;
use crate::manager::downloads::AppDownloadRecord;
use crate::manager::plan::tests::app;
use crate::model::{ContentKind, DownloadIdentifier, PackError};

fn spec(id: &str, url: &str) -> DownloadSpec {
    DownloadSpec::new(DownloadIdentifier::parse(id).unwrap(), url.parse().unwrap())
}

const EXTENSION_AT_INSTALL: Scheduler = Scheduler::Extension {
    content: ContentKind::Install,
};

#[test]
fn only_an_extension_at_install_or_update_may_schedule_an_essential_download() {
    let record = app("");
    let mut essential = spec("level", "http://127.0.0.1:9/level.bin");
    essential.essential = true;
    let refused = check_new(&record, &essential, Scheduler::App, &[]).unwrap_err();
    assert_eq!(
        refused.kind,
        ErrorKind::DownloadEssentialDownloadNotPermitted
    );
    assert!(refused.message.contains("`level`"), "{}", refused.message);
    let periodic = Scheduler::Extension {
        content: ContentKind::Periodic,
    };
    assert!(check_new(&record, &essential, periodic, &[]).is_err());
    check_new(&record, &essential, EXTENSION_AT_INSTALL, &[]).unwrap();
}

#[test]
fn a_host_off_the_allow_list_is_refused_naming_it() {
    let record = app("");
    let off = spec("x", "https://elsewhere.example.net/x");
    let refused = check_new(&record, &off, Scheduler::App, &[]).unwrap_err();
    assert_eq!(refused.kind, ErrorKind::SessionDownloadDisallowedByDomain);
    assert!(
        refused.message.contains("elsewhere.example.net"),
        "{}",
        refused.message
    );
}

#[test]
fn one_live_download_per_identifier_and_a_finished_one_may_be_scheduled_again() {
    let mut record = app("");
    let first = spec("x", "http://127.0.0.1:9/x");
    let mut existing = AppDownloadRecord::new(first.clone(), Scheduler::App, 1);
    record.downloads.insert("x".into(), existing.clone());
    let refused = check_new(&record, &first, Scheduler::App, &[]).unwrap_err();
    assert_eq!(refused.kind, ErrorKind::DownloadAlreadyScheduled);
    existing.state = AppDownloadState::Failed {
        error: PackError::new(ErrorKind::Network, "gone"),
    };
    record.downloads.insert("x".into(), existing);
    check_new(&record, &first, Scheduler::App, &[]).unwrap();
}

#[test]
fn an_apps_downloads_are_bounded_so_its_state_cannot_grow_without_end() {
    let mut record = app("");
    for n in 0..MAX_APP_DOWNLOADS {
        let mut kept = AppDownloadRecord::new(
            spec(&format!("d{n}"), "http://127.0.0.1:9/x"),
            EXTENSION_AT_INSTALL,
            1,
        );
        kept.state = AppDownloadState::Finished {
            path: format!("/c/d{n}").into(),
        };
        record.downloads.insert(format!("d{n}"), kept);
    }
    let refused = check_new(
        &record,
        &spec("one-more", "http://127.0.0.1:9/x"),
        Scheduler::App,
        &[],
    )
    .unwrap_err();
    assert_eq!(refused.kind, ErrorKind::DownloadFailedToStart);
    assert!(
        refused.message.contains("at most 1024"),
        "{}",
        refused.message
    );
    // One it keeps may be scheduled again.
    check_new(
        &record,
        &spec("d7", "http://127.0.0.1:9/x"),
        Scheduler::App,
        &[],
    )
    .unwrap();
}

#[test]
fn the_allowance_counts_expected_sizes_during_the_first_installation_only() {
    let allowance = "<key>BAInitialDownloadRestrictions</key><dict>\
        <key>BADownloadAllowance</key><integer>1000</integer>\
        <key>BADownloadDomainAllowList</key><array><string>127.0.0.1</string></array></dict>";
    let mut record = app(allowance);
    let mut first = spec("a", "http://127.0.0.1:9/a");
    first.expected_size = Some(600);
    record
        .downloads
        .insert("a".into(), AppDownloadRecord::new(first, Scheduler::App, 1));
    let mut second = spec("b", "http://127.0.0.1:9/b");
    second.expected_size = Some(500);
    let refused = check_new(&record, &second, Scheduler::App, &[]).unwrap_err();
    assert_eq!(refused.kind, ErrorKind::DownloadWouldExceedAllowance);
    assert!(
        refused.message.contains("1100 bytes"),
        "{}",
        refused.message
    );
    second.expected_size = Some(400);
    check_new(&record, &second, Scheduler::App, &[]).unwrap();
    second.expected_size = Some(500);
    record.event = InstallationEvent::SubsequentUpdate;
    check_new(&record, &second, Scheduler::App, &[]).unwrap();
}

#[test]
fn launch_waits_for_essential_downloads_and_not_for_failed_ones() {
    let mut record = app("");
    for (id, essential, state) in [
        ("a", true, AppDownloadState::Waiting),
        (
            "b",
            true,
            AppDownloadState::Failed {
                error: PackError::new(ErrorKind::Network, "x"),
            },
        ),
        ("c", true, AppDownloadState::Finished { path: "/x".into() }),
        ("d", false, AppDownloadState::Downloading),
    ] {
        let mut s = spec(id, "http://127.0.0.1:9/x");
        s.essential = essential;
        let mut download = AppDownloadRecord::new(s, EXTENSION_AT_INSTALL, 1);
        download.state = state;
        record.downloads.insert(id.into(), download);
    }
    let (waiting, failed) = essential_launch(&record);
    assert_eq!(waiting, ["download:a"]);
    assert_eq!(failed, ["download:b"]);
}

#[test]
fn downloads_of_unknown_size_cannot_slip_past_the_allowance() {
    let allowance = "<key>BAInitialDownloadRestrictions</key><dict>\
        <key>BADownloadAllowance</key><integer>1000</integer>\
        <key>BADownloadDomainAllowList</key><array><string>127.0.0.1</string></array></dict>";
    let mut record = app(allowance);
    let mut accepted = 0;
    for n in 0..256 {
        // Each is 1 GiB on the server; the extension does not say so.
        let id = format!("big-{n}");
        let unknown = spec(&id, "http://127.0.0.1:9/one-gib.bin");
        if check_new(&record, &unknown, EXTENSION_AT_INSTALL, &[]).is_ok() {
            accepted += 1;
            // As scheduling does: unknown, it reserves all the allowance left.
            let reserved = reservation(&record, &unknown);
            let mut download = AppDownloadRecord::new(unknown, EXTENSION_AT_INSTALL, 1);
            download.reserved = reserved;
            record.downloads.insert(id, download);
        }
    }
    assert!(
        accepted <= 1,
        "{accepted} downloads of unknown size accepted under an allowance of 1000 bytes"
    );
}
