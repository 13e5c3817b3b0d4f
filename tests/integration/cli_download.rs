//! `bgassets download` as a user runs it: a verified file and exit code 0, a `--json` report,
//! and clear failures (bad checksum, missing file) with a non-zero exit code.

use std::process::Command;

use bgassets::server::Faults;

use crate::support::engine::*;

fn download(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_bgassets"))
        .arg("download")
        .args(args)
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verified_download_exits_zero_and_reports_as_json() {
    let site = Site::start(&[("a.bin", 700_000)], Faults::default()).await;
    let out = site.out("a.bin");
    let sha = site.sha256("a.bin").to_hex();
    let url = site.server.url_of("a.bin");
    let output = download(&[
        &url,
        "-o",
        out.to_str().unwrap(),
        "--sha256",
        &sha,
        "--json",
        "--limit-rate",
        "5MB",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["state"], "finished");
    assert_eq!(report["size"], 700_000);
    assert_eq!(report["sha256"], sha.as_str());
    assert_eq!(std::fs::read(&out).unwrap(), site.bytes("a.bin"));
    let sidecar = out.with_file_name("a.bin.bgassets-download.json");
    assert!(
        !sidecar.exists(),
        "the saved queue is removed once the file is complete"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_checksum_fails_with_a_message_and_no_file() {
    let site = Site::start(&[("a.bin", 50_000)], Faults::default()).await;
    let out = site.out("a.bin");
    let wrong = "00".repeat(32);
    let url = site.server.url_of("a.bin");
    let output = download(&[&url, "-o", out.to_str().unwrap(), "--sha256", &wrong]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("SHA-256 is"), "{stderr}");
    assert!(stderr.contains(&url), "{stderr}");
    assert!(!out.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_file_and_a_bad_argument_fail_clearly() {
    let site = Site::start(&[("a.bin", 10)], Faults::default()).await;
    let out = site.out("x.bin");
    let url = site.server.url_of("missing.bin");
    let output = download(&[&url, "-o", out.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("404"));

    let output = download(&[&url, "--sha256", "abc"]);
    assert_eq!(output.status.code(), Some(2), "argument errors exit 2");
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a SHA-256"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_file_at_the_destination_is_never_overwritten_without_overwrite() {
    let site = Site::start(&[("a.bin", 70_000)], Faults::default()).await;
    let out = site.out("a.bin");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    std::fs::write(&out, b"the user's own file").unwrap();
    let url = site.server.url_of("a.bin");
    let output = download(&[&url, "-o", out.to_str().unwrap()]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("already exists") && stderr.contains("--overwrite"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&out).unwrap(), b"the user's own file");

    let output = download(&[&url, "-o", out.to_str().unwrap(), "--overwrite"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(std::fs::read(&out).unwrap(), site.bytes("a.bin"));
}
