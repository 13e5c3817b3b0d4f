//! `bgassets serve`'s log on stderr is plain text when stderr is not a terminal: a log file
//! gets no ANSI colour codes (issue 12).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Reads `path` until `done` holds for its text, for at most ten seconds.
fn wait_for_text(path: &std::path::Path, done: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if done(&text) || Instant::now() > deadline {
            return text;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_log_has_no_ansi_when_not_a_terminal() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path().join("root");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("manifest.json"), br#"{"packs": []}"#).unwrap();
    std::fs::write(root.join("hello.bin"), vec![7u8; 1000]).unwrap();
    let log = temp.path().join("serve.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_bgassets"))
        .args(["serve", root.to_str().unwrap()])
        .env_remove("NO_COLOR")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let announced: serde_json::Value = serde_json::from_str(&line).unwrap();
    let url = format!("{}hello.bin", announced["listening"].as_str().unwrap());
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let body = client
        .get(&url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(body.len(), 1000);
    let text = wait_for_text(&log, |text| text.contains("/hello.bin"));
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        text.contains("/hello.bin"),
        "the request is logged; the log was:\n{text}"
    );
    assert!(
        !text.contains('\u{1b}'),
        "no escape character in a log file; the log was:\n{text:?}"
    );
}
