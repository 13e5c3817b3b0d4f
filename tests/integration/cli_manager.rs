//! The manager's command line as scripts use it: `bgassets sync` installs an app in one shot and
//! reports; `bgassets daemon` serves `bgassets ctl` over the socket, refuses a second daemon on
//! the same data dir, and stops cleanly on SIGTERM.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use bgassets::server::Faults;

use crate::support::manager::*;

fn bgassets(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bgassets"))
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn specs() -> Vec<Spec> {
    vec![
        Spec::new("Tutorial", ESSENTIAL, 200_000),
        Spec::new("Music", PREFETCH, 300_000),
        Spec::new("Bonus", ON_DEMAND, 100_000),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_installs_what_the_first_installation_asks_for_and_reports() {
    let site = Site::start(&specs(), Faults::default()).await;
    let work = tempfile::tempdir().unwrap();
    let plist = plist(work.path(), &site.server.manifest_url(), "1", "");
    let data = work.path().join("data");
    let output = bgassets(&[
        "sync",
        plist.to_str().unwrap(),
        "--json",
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["app"], APP);
    assert_eq!(report["launchReady"], true);
    let (ready, seconds) = (
        report["readySeconds"].as_f64().unwrap(),
        report["seconds"].as_f64().unwrap(),
    );
    assert!(0.0 < ready && ready <= seconds, "{report}");
    let ids: Vec<&str> = report["packs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["Tutorial", "Music"],
        "on-demand packs are not part of a sync"
    );
    assert!(
        report["packs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["state"] == "installed")
    );
    assert!(
        data.join("containers")
            .join(APP)
            .join("Music/Music/data.bin")
            .exists()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_exits_non_zero_and_names_what_failed() {
    let site = Site::start(&specs(), Faults::default()).await;
    let work = tempfile::tempdir().unwrap();
    let plist = plist(
        work.path(),
        &site.server.manifest_url(),
        "1",
        "<key>BAMaxInstallSize</key><integer>1000</integer>",
    );
    let output = bgassets(&["sync", plist.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("1 pack(s) failed: Music"), "{stderr}");
    assert!(
        text(&output.stdout).contains("BAMaxInstallSize"),
        "{}",
        text(&output.stdout)
    );
}

/// A daemon on `data`, with its announced JSON line.
fn start_daemon(data: &Path) -> (std::process::Child, serde_json::Value) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bgassets"))
        .args(["daemon", "--data-dir", data.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (
        child,
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{line:?}: {e}")),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_serves_ctl_refuses_a_twin_and_stops_on_sigterm() {
    let site = Site::start(&specs(), Faults::default()).await;
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let (mut daemon, announced) = start_daemon(&data);
    let socket = std::path::PathBuf::from(announced["socket"].as_str().unwrap());
    assert!(socket.exists());
    let dir = data.to_str().unwrap();

    let plist = plist(work.path(), &site.server.manifest_url(), "1", "");
    let output = bgassets(&[
        "--data-dir",
        dir,
        "ctl",
        "register",
        plist.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let output = bgassets(&["--data-dir", dir, "ctl", "ensure", APP, "Bonus", "--wait"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let output = bgassets(&["--data-dir", dir, "ctl", "status", "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(status["schema"], 1);
    let bonus = status["apps"][0]["packs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "Bonus")
        .unwrap();
    assert_eq!(bonus["flags"]["upToDate"], true, "{bonus}");

    let twin = bgassets(&["daemon", "--data-dir", dir]);
    assert!(!twin.status.success());
    assert!(
        text(&twin.stderr).contains("already running"),
        "{}",
        text(&twin.stderr)
    );

    let unknown = bgassets(&["--data-dir", dir, "ctl", "ensure", APP, "Nope"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        text(&unknown.stderr).contains("assetPackNotFound"),
        "{}",
        text(&unknown.stderr)
    );

    // SAFETY: sending SIGTERM to our own child process.
    unsafe { libc::kill(daemon.id() as i32, libc::SIGTERM) };
    let status = daemon.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(!socket.exists(), "the socket is removed on exit");
    let none = bgassets(&["--data-dir", dir, "ctl", "status"]);
    assert_eq!(none.status.code(), Some(3), "no manager: exit 3");
}
