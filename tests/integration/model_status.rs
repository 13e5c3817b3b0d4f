//! Pack statuses (`bgassets::model::{PackStatus, Activity, StatusFlags, StatusUpdate}`) and error
//! kinds (`PackError`, `ErrorKind`, `ManagedError`): every `BAAssetPackStatus` flag reachable
//! from a state, and the JSON shapes clients of the socket protocol read.

use bgassets::model::{
    Activity, ErrorKind, ManagedError, PackError, PackId, PackStatus, Progress, StatusFlags,
    StatusUpdate,
};
use serde_json::json;

fn status(installed: Option<u64>, listed: Option<u64>, activity: Activity) -> PackStatus {
    PackStatus {
        installed_version: installed,
        listed_version: listed,
        activity,
    }
}

fn progress(done: u64, total: u64) -> Progress {
    Progress {
        bytes_done: done,
        bytes_total: total,
        bytes_per_second: 1000,
    }
}

fn downloading() -> Activity {
    Activity::Downloading {
        progress: progress(10, 100),
    }
}

/// The flags set in `flags`, by their JSON names.
fn set_flags(flags: StatusFlags) -> Vec<String> {
    let json = serde_json::to_value(flags).unwrap();
    let mut names: Vec<String> = json
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, value)| value.as_bool().unwrap())
        .map(|(name, _)| name.clone())
        .collect();
    names.sort();
    names
}

#[test]
fn status_flags_serialize_under_apple_names() {
    let all = StatusFlags {
        download_available: true,
        update_available: true,
        up_to_date: true,
        out_of_date: true,
        obsolete: true,
        downloading: true,
        downloaded: true,
    };
    assert_eq!(
        set_flags(all),
        [
            "downloadAvailable",
            "downloaded",
            "downloading",
            "obsolete",
            "outOfDate",
            "upToDate",
            "updateAvailable",
        ]
    );
    assert!(set_flags(StatusFlags::default()).is_empty());
    let back: StatusFlags = serde_json::from_value(serde_json::to_value(all).unwrap()).unwrap();
    assert_eq!(back, all);
}

#[test]
fn every_status_flag_is_reachable_from_a_state() {
    let cases: [(PackStatus, &[&str]); 9] = [
        (
            status(None, Some(1), Activity::Idle),
            &["downloadAvailable"],
        ),
        (
            status(None, Some(1), downloading()),
            &["downloadAvailable", "downloading"],
        ),
        (
            status(Some(2), Some(2), Activity::Idle),
            &["downloaded", "upToDate"],
        ),
        (
            status(Some(3), Some(2), Activity::Idle),
            &["downloaded", "upToDate"],
        ),
        (
            status(Some(1), Some(2), Activity::Idle),
            &["downloaded", "outOfDate", "updateAvailable"],
        ),
        (
            status(Some(1), Some(2), Activity::Installing),
            &["downloaded", "downloading", "outOfDate"],
        ),
        (
            status(Some(1), None, Activity::Idle),
            &["downloaded", "obsolete"],
        ),
        (status(None, None, Activity::Idle), &[]),
        (
            status(
                None,
                Some(1),
                Activity::Paused {
                    progress: progress(5, 10),
                },
            ),
            &["downloadAvailable"],
        ),
    ];
    for (state, expected) in cases {
        assert_eq!(set_flags(state.flags()), expected, "{state:?}");
    }
}

#[test]
fn every_activity_but_idle_paused_and_failed_counts_as_downloading() {
    let error = PackError::new(ErrorKind::Network, "connection reset");
    let busy = [
        Activity::Queued,
        Activity::Connecting,
        downloading(),
        Activity::Retrying {
            attempt: 2,
            reason: error.clone(),
            delay_ms: 4000,
            progress: progress(10, 100),
        },
        Activity::Verifying,
        Activity::Installing,
    ];
    for activity in busy {
        assert!(activity.is_in_progress(), "{activity:?}");
        assert!(status(None, Some(1), activity).flags().downloading);
    }
    let still = [
        Activity::Idle,
        Activity::Paused {
            progress: progress(1, 2),
        },
        Activity::Failed { error },
    ];
    for activity in still {
        assert!(!activity.is_in_progress(), "{activity:?}");
        assert!(!status(None, Some(1), activity).flags().downloading);
    }
}

#[test]
fn activity_helpers_report_pause_failure_and_progress() {
    let failed = Activity::Failed {
        error: PackError::new(ErrorKind::DiskFull, "no space left"),
    };
    assert!(failed.is_failed() && !failed.is_paused() && failed.progress().is_none());
    let paused = Activity::Paused {
        progress: progress(5, 10),
    };
    assert!(paused.is_paused() && !paused.is_failed());
    assert_eq!(paused.progress(), Some(progress(5, 10)));
    assert_eq!(downloading().progress().unwrap().fraction(), 0.1);
    assert_eq!(downloading().progress().unwrap().eta_seconds(), Some(1));
    assert_eq!(Activity::Verifying.progress(), None);
    assert_eq!(Activity::default(), Activity::Idle);
}

#[test]
fn activities_have_a_state_tag_and_camel_case_fields() {
    let reason = PackError::new(ErrorKind::HttpStatus, "HTTP 503 from cdn.example.com");
    let cases = [
        (Activity::Idle, json!({ "state": "idle" })),
        (Activity::Queued, json!({ "state": "queued" })),
        (Activity::Connecting, json!({ "state": "connecting" })),
        (
            downloading(),
            json!({ "state": "downloading",
                    "progress": { "bytesDone": 10, "bytesTotal": 100, "bytesPerSecond": 1000 } }),
        ),
        (
            Activity::Paused {
                progress: Progress::default(),
            },
            json!({ "state": "paused",
                    "progress": { "bytesDone": 0, "bytesTotal": 0, "bytesPerSecond": 0 } }),
        ),
        (
            Activity::Retrying {
                attempt: 3,
                reason: reason.clone(),
                delay_ms: 2500,
                progress: progress(10, 100),
            },
            json!({ "state": "retrying", "attempt": 3, "delayMs": 2500,
                    "reason": { "kind": "httpStatus", "message": "HTTP 503 from cdn.example.com" },
                    "progress": { "bytesDone": 10, "bytesTotal": 100, "bytesPerSecond": 1000 } }),
        ),
        (Activity::Verifying, json!({ "state": "verifying" })),
        (Activity::Installing, json!({ "state": "installing" })),
        (
            Activity::Failed { error: reason },
            json!({ "state": "failed",
                    "error": { "kind": "httpStatus", "message": "HTTP 503 from cdn.example.com" } }),
        ),
    ];
    for (activity, expected) in cases {
        assert_eq!(serde_json::to_value(&activity).unwrap(), expected);
        assert_eq!(
            serde_json::from_value::<Activity>(expected).unwrap(),
            activity
        );
    }
}

#[test]
fn pack_status_serializes_versions_and_its_activity() {
    let state = status(Some(1), Some(2), Activity::Queued);
    let expected =
        json!({ "installedVersion": 1, "listedVersion": 2, "activity": { "state": "queued" } });
    assert_eq!(serde_json::to_value(&state).unwrap(), expected);
    assert_eq!(
        serde_json::from_value::<PackStatus>(expected).unwrap(),
        state
    );
    let obsolete =
        json!({ "installedVersion": 4, "listedVersion": null, "activity": { "state": "idle" } });
    assert!(
        serde_json::from_value::<PackStatus>(obsolete)
            .unwrap()
            .is_obsolete()
    );
}

#[test]
fn status_updates_have_apple_names_and_carry_progress_or_error() {
    let error = PackError::new(
        ErrorKind::ChecksumMismatch,
        "sha256 differs from the manifest",
    );
    let cases = [
        (StatusUpdate::Began, json!({ "update": "began" })),
        (StatusUpdate::Paused, json!({ "update": "paused" })),
        (
            StatusUpdate::Downloading {
                progress: progress(512, 1024),
            },
            json!({ "update": "downloading",
                    "progress": { "bytesDone": 512, "bytesTotal": 1024, "bytesPerSecond": 1000 } }),
        ),
        (StatusUpdate::Finished, json!({ "update": "finished" })),
        (
            StatusUpdate::Failed { error },
            json!({ "update": "failed",
                    "error": { "kind": "checksumMismatch", "message": "sha256 differs from the manifest" } }),
        ),
    ];
    for (update, expected) in cases {
        assert_eq!(serde_json::to_value(&update).unwrap(), expected);
        assert_eq!(
            serde_json::from_value::<StatusUpdate>(expected).unwrap(),
            update
        );
    }
    assert!(serde_json::from_value::<StatusUpdate>(json!({ "update": "exploded" })).is_err());
}

#[test]
fn apple_error_codes_serialize_under_their_camel_case_names() {
    let cases = [
        (ErrorKind::AssetPackNotFound, "assetPackNotFound"),
        (ErrorKind::FileNotFound, "fileNotFound"),
        (ErrorKind::DownloadInvalid, "downloadInvalid"),
        (
            ErrorKind::DownloadEssentialDownloadNotPermitted,
            "downloadEssentialDownloadNotPermitted",
        ),
        (
            ErrorKind::DownloadWouldExceedAllowance,
            "downloadWouldExceedAllowance",
        ),
        (
            ErrorKind::SessionDownloadDisallowedByDomain,
            "sessionDownloadDisallowedByDomain",
        ),
        (
            ErrorKind::SessionDownloadAllowanceExceeded,
            "sessionDownloadAllowanceExceeded",
        ),
        (
            ErrorKind::SessionDownloadNotPermittedBeforeAppLaunch,
            "sessionDownloadNotPermittedBeforeAppLaunch",
        ),
        (
            ErrorKind::CallFromInactiveProcessNotAllowed,
            "callFromInactiveProcessNotAllowed",
        ),
        (ErrorKind::DownloadsLocked, "downloadsLocked"),
        (ErrorKind::InstallSizeExceeded, "installSizeExceeded"),
    ];
    for (kind, name) in cases {
        assert_eq!(serde_json::to_value(kind).unwrap(), name);
        assert_eq!(
            serde_json::from_value::<ErrorKind>(json!(name)).unwrap(),
            kind
        );
    }
}

#[test]
fn only_network_timeout_and_disk_full_errors_are_transient() {
    for kind in [ErrorKind::Network, ErrorKind::Timeout, ErrorKind::DiskFull] {
        assert!(PackError::new(kind, "x").is_transient(), "{kind:?}");
    }
    for kind in [
        ErrorKind::ChecksumMismatch,
        ErrorKind::HttpStatus,
        ErrorKind::Cancelled,
    ] {
        assert!(!PackError::new(kind, "x").is_transient(), "{kind:?}");
    }
    let error = PackError::new(ErrorKind::DiskFull, "no space left on /data");
    assert_eq!(error.to_string(), "no space left on /data");
}

#[test]
fn managed_errors_name_the_pack_and_the_file() {
    let id = PackId::parse("onnx/x.onnx").unwrap();
    let missing_pack = ManagedError::pack_not_found(&id);
    assert_eq!(
        missing_pack.to_string(),
        "asset pack `onnx/x.onnx` not found"
    );
    assert_eq!(missing_pack.kind(), ErrorKind::AssetPackNotFound);
    assert_eq!(
        serde_json::to_value(&missing_pack).unwrap(),
        json!({ "kind": "assetPackNotFound", "id": "onnx/x.onnx" })
    );

    let missing_file = ManagedError::FileNotFound {
        id: "Tutorial".into(),
        path: "Levels/1/map.bin".into(),
    };
    assert_eq!(
        missing_file.to_string(),
        "file `Levels/1/map.bin` not found in asset pack `Tutorial`"
    );
    assert_eq!(missing_file.kind(), ErrorKind::FileNotFound);
    let json = json!({ "kind": "fileNotFound", "id": "Tutorial", "path": "Levels/1/map.bin" });
    assert_eq!(serde_json::to_value(&missing_file).unwrap(), json);
    assert_eq!(
        serde_json::from_value::<ManagedError>(json).unwrap(),
        missing_file
    );
}
