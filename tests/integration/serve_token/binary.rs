//! The real `bgassets serve` binary with the secret in `BGASSETS_SERVE_TOKEN` (never on its
//! command line), URLs signed by `bgassets serve sign`: it gates files, and its log names why
//! each request was refused and never holds the secret, a wrong token or a signature.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::AUTHORIZATION;

use super::{BEARER, SECRET, get, text};
use crate::support::serve::{Fixture, client};
use crate::support::wait::wait_for;

/// A `bgassets serve` child process, stopped when dropped.
struct Served {
    child: Child,
    url: String,
    log: std::path::PathBuf,
}

impl Served {
    /// `bgassets serve ROOT ARGS…` with `BGASSETS_SERVE_TOKEN` set, once it has printed its line.
    fn start(fixture: &Fixture, args: &[&str]) -> Served {
        let log = fixture.dir.path().join("serve-token.log");
        let mut child = Command::new(env!("CARGO_BIN_EXE_bgassets"))
            .arg("serve")
            .arg(fixture.root())
            .args(args)
            .env("BGASSETS_SERVE_TOKEN", SECRET)
            .env("NO_COLOR", "1")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = sender.send(line);
        });
        let line = receiver
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_default();
        let announced: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|error| panic!("no JSON line ({error}): {line:?}"));
        let url = announced["listening"].as_str().unwrap().to_string();
        Served { child, url, log }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `bgassets serve sign URL` with the secret from the environment, as a script would.
fn sign_with_the_binary(url: &str, ttl: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_bgassets"))
        .args(["serve", "sign", url, "--ttl", ttl])
        .env("BGASSETS_SERVE_TOKEN", SECRET)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(text.lines().count(), 1, "one line: {text:?}");
    text.trim_end().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_binary_gates_files_signs_urls_and_logs_why_never_the_secret() {
    let fixture = Fixture::new();
    let served = Served::start(&fixture, &["--public", "packs/data.bin"]);
    let url = format!("{}packs/small.zip", served.url);
    let small = fixture.read("packs/small.zip");
    let (status, _, body) = get(&url, &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(text(&body).starts_with("no-token: "));
    let (status, _, body) = get(&url, &[(AUTHORIZATION, BEARER)]).await;
    assert_eq!((status, body == small), (StatusCode::OK, true));
    let signed = sign_with_the_binary(&url, "60s");
    let (status, _, body) = get(&signed, &[]).await;
    assert_eq!((status, body == small), (StatusCode::OK, true));
    let tampered = signed.replace("small.zip", "medium.zip");
    let (status, _, _) = get(&tampered, &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = get(&format!("{}packs/data.bin", served.url), &[]).await;
    assert_eq!(status, StatusCode::OK, "--public");
    let (status, _, _) = get(&format!("{}manifest.json", served.url), &[]).await;
    assert_eq!(status, StatusCode::OK, "the manifest is public");
    let (status, _, _) = get(&url, &[(AUTHORIZATION, "Bearer guess")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let log = wait_for("seven requests logged", Duration::from_secs(10), || {
        let log = served.log();
        (log.matches(" request ").count() >= 7).then_some(log)
    });
    for why in [
        "auth=no-token",
        "auth=bearer",
        "auth=signed",
        "auth=bad-signature",
        "auth=public",
        "auth=wrong-token",
    ] {
        assert!(log.contains(why), "{why} in the log:\n{log}");
    }
    let signature = signed.split("signature=").nth(1).unwrap();
    assert!(!log.contains(SECRET), "the secret is never logged:\n{log}");
    assert!(
        !log.contains(signature),
        "the signature is never logged:\n{log}"
    );
    assert!(!log.contains("guess"), "nor a wrong token:\n{log}");
    let requests = client()
        .get(format!("{}_bgassets/requests", served.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let records: Vec<serde_json::Value> = serde_json::from_str(&requests).unwrap();
    let auths: Vec<&str> = records
        .iter()
        .map(|r| r["auth"].as_str().unwrap())
        .collect();
    assert_eq!(
        auths,
        [
            "no-token",
            "bearer",
            "signed",
            "bad-signature",
            "public",
            "public",
            "wrong-token"
        ]
    );
    assert!(
        !requests.contains(SECRET) && !requests.contains(signature),
        "{requests}"
    );
}

/// Regression: clap repeats a refused value in its error, so a secret with a stray space or
/// newline (`$(cat file)`, a pasted line) would have been printed; it is validated after
/// parsing instead, and the error names where it came from, not what it was.
#[test]
fn a_refused_secret_is_never_echoed() {
    let fixture = Fixture::new();
    let stray = "almost-the-secret \n";
    for args in [
        vec!["serve", fixture.root().to_str().unwrap()],
        vec!["serve", "sign", "http://127.0.0.1:1/a.zip"],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_bgassets"))
            .args(&args)
            .env("BGASSETS_SERVE_TOKEN", stray)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}: nothing on stdout");
        assert!(
            stderr.contains("BGASSETS_SERVE_TOKEN"),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains("not visible ASCII"), "{args:?}: {stderr}");
        assert!(!stderr.contains("almost-the-secret"), "{args:?}: {stderr}");
    }
}

#[test]
fn public_paths_need_require_token() {
    let fixture = Fixture::new();
    let output = Command::new(env!("CARGO_BIN_EXE_bgassets"))
        .arg("serve")
        .arg(fixture.root())
        .args(["--public", "packs/data.bin"])
        .env_remove("BGASSETS_SERVE_TOKEN")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("--require-token"), "{stderr}");
}
