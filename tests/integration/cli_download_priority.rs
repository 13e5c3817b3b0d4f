//! `bgassets download` with several URLs: `--priority` decides which download first when there
//! are more URLs than `--parallel` slots (issue 12: the flag used to have no effect).

use std::process::Command;

use crate::support::engine::*;
use bgassets::server::Faults;

/// The files in the order the server was first asked for them.
fn first_requested(site: &Site) -> Vec<String> {
    let mut order: Vec<String> = Vec::new();
    for record in site.server.requests() {
        let name = record.path.trim_start_matches('/').to_string();
        if !order.contains(&name) {
            order.push(name);
        }
    }
    order
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_priority_orders_several_urls() {
    let files = [("a.bin", 150_000), ("b.bin", 150_000), ("c.bin", 150_000)];
    let site = Site::start(&files, Faults::default()).await;
    let out = site.dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let urls: Vec<String> = files
        .iter()
        .map(|(name, _)| site.server.url_of(name))
        .collect();
    let output = Command::new(env!("CARGO_BIN_EXE_bgassets"))
        .arg("download")
        .args(&urls)
        .args(["--priority", "0,10,5", "--parallel", "1", "--json"])
        .arg("--output-dir")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        first_requested(&site),
        ["b.bin", "c.bin", "a.bin"],
        "one at a time, the highest priority first"
    );
    for (name, _) in files {
        assert_eq!(std::fs::read(out.join(name)).unwrap(), site.bytes(name));
    }
    let reports: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let priorities: Vec<i64> = reports
        .as_array()
        .expect("one report per URL")
        .iter()
        .map(|r| r["priority"].as_i64().unwrap())
        .collect();
    assert_eq!(priorities, [10, 5, 0], "reports in the order they ran");
    assert!(
        !out.join(".bgassets-download.json").exists(),
        "the saved queue is removed once every file is complete"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_priority_values_must_match_the_urls() {
    let site = Site::start(&[("a.bin", 10), ("b.bin", 10)], Faults::default()).await;
    let output = Command::new(env!("CARGO_BIN_EXE_bgassets"))
        .arg("download")
        .args([site.server.url_of("a.bin"), site.server.url_of("b.bin")])
        .args(["--priority", "1,2,3"])
        .arg("--output-dir")
        .arg(site.dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "a usage error");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("3 --priority values for 2 URLs"),
        "{stderr}"
    );
    assert!(site.server.requests().is_empty(), "nothing was downloaded");
}
