//! The mock server's own authority: the reserved `/_bgassets` prefix and the TLS key are never
//! served however a path is spelled (the corpus `tests/data/server_paths/cases.tsv`, replayed
//! over HTTPS with a canary folder beside the served one), a certificate directory holding the
//! served folder is refused, a non-loopback address is refused unless asked, slow headers are
//! cut off and connections are capped without the server falling over.

mod limits;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use bgassets::server::{Faults, ServeConfig, ServeError, Server};
use serde_json::Value;

use crate::support::serve::{Fixture, raw_tls_request, status_and_body};
use crate::support::tree;

/// One line of the corpus.
#[derive(Debug)]
struct Case {
    line: usize,
    method: String,
    path: String,
    status: u16,
    answer: String,
}

fn corpus() -> Vec<Case> {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/server_paths/cases.tsv");
    let text = std::fs::read_to_string(&file).expect("the corpus");
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|(index, line)| {
            let fields: Vec<&str> = line.split('\t').collect();
            let [method, path, status, answer] = fields[..] else {
                panic!(
                    "{}:{}: expected 4 tab-separated fields",
                    file.display(),
                    index + 1
                );
            };
            Case {
                line: index + 1,
                method: method.to_string(),
                path: path.to_string(),
                status: status.parse().expect("a status code"),
                answer: answer.to_string(),
            }
        })
        .collect()
}

/// Adds reserved names, symlinks to them and to the key, and a canary folder beside the root.
fn hostile_fixture() -> (Fixture, PathBuf) {
    let fixture = Fixture::new();
    let root = fixture.root();
    std::fs::create_dir_all(root.join("_bgassets")).unwrap();
    std::fs::write(root.join("_bgassets/faults"), br#"{"corrupt": true}"#).unwrap();
    std::fs::write(root.join("_bgassets/secret.txt"), b"reserved secret").unwrap();
    std::fs::write(root.join("_bgassets-backup.zip"), b"reserved backup").unwrap();
    std::fs::create_dir_all(root.join("packs/_bgassets")).unwrap();
    std::fs::write(root.join("packs/_bgassets/x"), b"reserved x").unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("../certs/key.pem", root.join("packs/key-link.pem")).unwrap();
        std::os::unix::fs::symlink(
            "../_bgassets/secret.txt",
            root.join("packs/reserved-link.zip"),
        )
        .unwrap();
    }
    let canary = fixture.dir.path().join("canary");
    std::fs::create_dir_all(canary.join("inner")).unwrap();
    std::fs::write(canary.join("inner/keep.txt"), b"canary").unwrap();
    (fixture, canary)
}

/// What is wrong with an answer to `case`, if anything.
fn check(case: &Case, root: &Path, status: u16, body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    if status != case.status {
        return Some(format!("status {status}, body {text:?}"));
    }
    if text.contains("PRIVATE KEY") || text.contains("BEGIN CERTIFICATE") {
        return Some("the answer carries the key or certificate".into());
    }
    let json = || serde_json::from_slice::<Value>(body).unwrap_or(Value::Null);
    let fine = match case.answer.as_str() {
        "control" => json().is_object() && json().get("error").is_none(),
        "control-unknown" => json()["error"]
            .as_str()
            .is_some_and(|error| error.starts_with("unknown control endpoint")),
        answer => match answer.strip_prefix("file:") {
            Some(relative) => std::fs::read(root.join(relative)).is_ok_and(|file| file == body),
            None => text.starts_with(&format!("{answer}: ")),
        },
    };
    (!fine).then(|| format!("expected {}, got {text:?}", case.answer))
}

#[tokio::test]
async fn hostile_server_paths_get_their_named_answer_and_touch_nothing() {
    let (fixture, canary) = hostile_fixture();
    let root = fixture.root();
    let mut config = ServeConfig::new(&root);
    config.tls = true;
    config.cert_dir = Some(root.join("certs"));
    let server = Server::start(config).await.unwrap();
    let key = std::fs::read_to_string(root.join("certs/key.pem")).unwrap();
    assert!(
        key.contains("PRIVATE KEY"),
        "the key the corpus aims at exists"
    );
    let pem = server.cert_pem().unwrap().to_string();
    let (root_before, canary_before) = (tree(&root), tree(&canary));

    let cases = corpus();
    assert!(cases.len() >= 15, "{} cases", cases.len());
    let mut wrong = Vec::new();
    for case in &cases {
        let request = format!(
            "{} {} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            case.method, case.path
        );
        let answer = raw_tls_request(server.local_addr(), &pem, request.as_bytes()).await;
        let (status, body) = status_and_body(&answer);
        let touched = (tree(&root) != root_before || tree(&canary) != canary_before)
            .then(|| "the served or the canary folder changed".to_string());
        if let Some(problem) = check(case, &root, status, &body).or(touched) {
            wrong.push(format!(
                "line {}: {} {}: {problem}",
                case.line, case.method, case.path
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong answers:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(
        server.faults(),
        Faults::default(),
        "no spelling reached PUT"
    );
    assert_eq!(tree(&root), root_before, "the served folder changed");
    assert_eq!(tree(&canary), canary_before, "the canary folder changed");
}

#[tokio::test]
async fn a_cert_dir_holding_the_served_folder_is_refused_before_writing_the_key() {
    let fixture = Fixture::new();
    for cert_dir in [fixture.dir.path().to_path_buf(), fixture.root()] {
        let mut config = ServeConfig::new(fixture.root());
        config.tls = true;
        config.cert_dir = Some(cert_dir.clone());
        let error = Server::start(config).await.unwrap_err();
        assert!(
            matches!(error, ServeError::CertDirHoldsRoot { .. }),
            "{error}"
        );
        assert!(
            error.to_string().contains("choose a --cert-dir outside"),
            "{error}"
        );
        assert!(!cert_dir.join("key.pem").exists());
    }
}

#[tokio::test]
async fn non_loopback_addresses_are_refused_in_process() {
    let fixture = Fixture::new();
    for addr in ["0.0.0.0:0", "[::]:0", "192.0.2.7:0"] {
        let mut config = ServeConfig::new(fixture.root());
        config.addr = addr.parse().unwrap();
        let error = Server::start(config).await.unwrap_err();
        assert!(
            matches!(error, ServeError::NotLoopback { .. }),
            "{addr}: {error}"
        );
        assert!(error.to_string().contains("--allow-remote"), "{error}");
    }
    let mut config = ServeConfig::new(fixture.root());
    config.addr = "[::ffff:127.0.0.1]:0".parse().unwrap();
    if let Err(error) = Server::start(config).await {
        // Only a host without IPv6 cannot bind it; the refusal must not be ours.
        assert!(matches!(error, ServeError::Bind { .. }), "{error}");
    }
}

/// A `bgassets serve` child's first stdout line (or why there is none) and its stderr.
fn run_serve(root: &Path, args: &[&str], log: &Path) -> (std::process::Child, Option<Value>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bgassets"))
        .arg("serve")
        .arg(root)
        .args(args)
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .expect("bgassets runs");
    let stdout = child.stdout.take().expect("stdout");
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = sender.send(line);
    });
    let line = receiver
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_default();
    (child, serde_json::from_str(&line).ok())
}

#[test]
fn serve_says_a_cert_dir_inside_the_served_folder_is_hidden() {
    let fixture = Fixture::new();
    let log = fixture.dir.path().join("serve.log");
    let cert_dir = fixture.root().join("certs");
    let cert_arg = cert_dir.display().to_string();
    let (mut child, line) = run_serve(&fixture.root(), &["--tls", "--cert-dir", &cert_arg], &log);
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();
    let stderr = std::fs::read_to_string(&log).unwrap();
    assert!(line.is_some(), "no JSON line; stderr:\n{stderr}");
    assert!(status.success(), "{status}: {stderr}");
    assert!(
        stderr.contains("the certificate directory is inside the served directory: it is hidden"),
        "{stderr}"
    );
    assert!(stderr.contains(&cert_arg), "{stderr}");
}

#[test]
fn serve_refuses_remote_addresses_and_absurd_limits_with_clear_messages() {
    let fixture = Fixture::new();
    let log = fixture.dir.path().join("serve.log");
    for (args, message) in [
        (&["--addr", "0.0.0.0:0"][..], "not a loopback address"),
        (&["--addr", "[::]:8080"][..], "pass --allow-remote"),
        (&["--max-connections", "0"][..], "--max-connections"),
        (
            &["--header-timeout", "0s"][..],
            "not between 1ms and 1 hour",
        ),
        (
            &["--header-timeout", "61m"][..],
            "not between 1ms and 1 hour",
        ),
    ] {
        let (mut child, line) = run_serve(&fixture.root(), args, &log);
        if line.is_some() {
            let _ = child.kill();
        }
        let status = child.wait().unwrap();
        let stderr = std::fs::read_to_string(&log).unwrap();
        assert!(line.is_none(), "{args:?} printed a JSON line");
        assert!(!status.success(), "{args:?} started");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}
