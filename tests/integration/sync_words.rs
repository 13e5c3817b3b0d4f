//! `bgassets sync` as a person reads it, from a real process: a failed pack's line says
//! `failed: CODE — why`, never a Rust debug structure, and the error line names each failed
//! pack with its code and reason (issue 12: the bench's `1 pack(s) failed: Tutorial` said no
//! reason).

use std::process::Command;

use crate::support::manager::*;
use bgassets::server::Faults;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_sync_names_each_error_in_words() {
    let specs = vec![
        Spec::new("Tutorial", ESSENTIAL, 200_000),
        Spec::new("Music", PREFETCH, 300_000),
    ];
    let site = Site::start(&specs, Faults::default()).await;
    let work = tempfile::tempdir().unwrap();
    let plist = plist(
        work.path(),
        &site.server.manifest_url(),
        "1",
        "<key>BAMaxInstallSize</key><integer>1000</integer>",
    );
    let output = Command::new(env!("CARGO_BIN_EXE_bgassets"))
        .arg("sync")
        .arg(&plist)
        .arg("--data-dir")
        .arg(work.path().join("data"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    let music = stdout
        .lines()
        .find(|line| line.trim_start().starts_with("Music"))
        .unwrap_or_else(|| panic!("a line for Music:\n{stdout}"));
    assert!(
        music.contains("failed: installSizeExceeded — ") && music.contains("BAMaxInstallSize"),
        "{music}"
    );
    assert!(
        !stdout.contains("PackError") && !stdout.contains("{ "),
        "no Rust debug structure:\n{stdout}"
    );
    assert!(
        stdout.contains("installed (version 1)"),
        "Tutorial is installed:\n{stdout}"
    );
    assert!(
        stderr.contains("1 pack(s) failed: Music (installSizeExceeded — "),
        "{stderr}"
    );
}
