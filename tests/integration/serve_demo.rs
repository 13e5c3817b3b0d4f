//! `bgassets serve --demo`: builds the demo packs on first use and serves them, announcing the
//! URL on one JSON line; the manifest it serves lists the demo app's packs.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_is_built_and_served() {
    let temp = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_bgassets"))
        .args(["serve", "--demo"])
        .env("TMPDIR", temp.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let announced: serde_json::Value = serde_json::from_str(&line).unwrap();
    let manifest_url = announced["manifest"].as_str().unwrap().to_string();
    let text = reqwest::get(&manifest_url)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let manifest = bgassets::model::ServerManifest::parse(&manifest_url, &text).unwrap();
    assert!(manifest.asset_packs.len() >= 8);
    assert!(
        temp.path()
            .join(format!(
                "bgassets-demo-{}/Info.plist",
                env!("CARGO_PKG_VERSION")
            ))
            .exists()
    );
}
