//! `bgassets pack publish` and `pack prune` against a real S3-compatible store (SeaweedFS, see
//! `support/seaweed.rs`): the demo site published and synced from the bucket by a real manager;
//! a republish that uploads nothing; a client reading while a new version goes up never sees a
//! manifest naming a missing archive; a publish killed mid-upload finishes when run again; each
//! store failure named; a dry run writes nothing; prune keeps what recent publishes name.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::random_bytes;
use crate::support::seaweed::Seaweed;

mod errors;
mod helpers;
mod mirrors;
mod prune;
mod races;
use helpers::*;

/// The bucket every test makes.
pub const BUCKET: &str = "games";

#[test]
fn the_demo_site_published_to_seaweedfs_syncs_and_republishing_uploads_nothing() {
    let seaweed = Seaweed::start(&[BUCKET]);
    let work = tempfile::tempdir().unwrap();
    let demo = bgassets::demo::build_site(&work.path().join("demo")).unwrap();
    let dest = "s3://games/starfield";
    let first = publish(&seaweed, &demo.site, dest, &[]);
    assert!(first.status.success(), "{}", text(&first));
    let manifest = published_manifest(&seaweed, BUCKET, "starfield").expect("a manifest");
    assert!(manifest.asset_packs.len() >= 8);
    let keys = assert_archives_complete(&seaweed, BUCKET, "starfield", &manifest);
    let (_, head) = seaweed.head(BUCKET, &keys[0]);
    let head = head.to_ascii_lowercase();
    assert!(
        head.contains("cache-control: public, max-age=31536000, immutable"),
        "{head}"
    );
    assert!(head.contains("content-type: application/zip"), "{head}");
    let (_, head) = seaweed.head(BUCKET, "starfield/manifest.json");
    let head = head.to_ascii_lowercase();
    assert!(head.contains("cache-control: public, max-age=60"), "{head}");
    assert!(head.contains("content-type: application/json"), "{head}");
    assert_eq!(seaweed.get(BUCKET, "starfield/config.json").0, 200);

    // A real manager installs the app from the bucket: relative pack URLs resolve against the
    // manifest's URL, and the bucket's host is in the demo app's allow list.
    let plist = work.path().join("Info.plist");
    let manifest_url = seaweed.url_of(BUCKET, "starfield/manifest.json");
    std::fs::write(&plist, bgassets::demo::info_plist_for(&manifest_url)).unwrap();
    let data = work.path().join("data");
    let sync = command(
        &[
            "sync",
            plist.to_str().unwrap(),
            "--json",
            "--timeout",
            "120",
        ],
        work.path(),
        None,
    )
    .arg("--data-dir")
    .arg(&data)
    .output()
    .unwrap();
    assert!(sync.status.success(), "{}", text(&sync));
    let report: serde_json::Value = serde_json::from_slice(&sync.stdout).unwrap();
    let packs = report["packs"].as_array().unwrap();
    assert!(!packs.is_empty(), "{report}");
    assert!(packs.iter().all(|p| p["state"] == "installed"), "{report}");

    let again = publish(&seaweed, &demo.site, dest, &[]);
    assert!(again.status.success(), "{}", text(&again));
    let said = text(&again);
    assert!(said.contains("already up to date"), "{said}");
    assert!(!said.contains("uploading"), "{said}");
}

#[test]
fn a_client_reading_while_a_new_version_is_published_never_sees_a_missing_archive() {
    let seaweed = Seaweed::start(&[BUCKET]);
    let work = tempfile::tempdir().unwrap();
    let v1 = [
        PackSpec {
            id: "levels",
            bytes: random_bytes(300_000, 1),
            version: 1,
        },
        PackSpec {
            id: "music",
            bytes: random_bytes(200_000, 2),
            version: 1,
        },
    ];
    let site = make_site(work.path(), &v1);
    let first = publish(&seaweed, &site, "s3://games/v", &[]);
    assert!(first.status.success(), "{}", text(&first));
    let old = published_manifest(&seaweed, BUCKET, "v").unwrap();

    let v2 = [
        PackSpec {
            id: "levels",
            bytes: random_bytes(24 << 20, 3),
            version: 2,
        },
        PackSpec {
            id: "music",
            bytes: random_bytes(200_000, 2),
            version: 1,
        },
    ];
    let site = make_site(work.path(), &v2);
    let endpoint = seaweed.endpoint();
    let mut child = command(
        &[
            "pack",
            "publish",
            site.to_str().unwrap(),
            "s3://games/v",
            "--endpoint",
            &endpoint,
            "--limit-rate",
            "12MB",
        ],
        work.path(),
        None,
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut reads = 0;
    let mut saw_old = false;
    while child.try_wait().unwrap().is_none() {
        let manifest = published_manifest(&seaweed, BUCKET, "v").unwrap();
        saw_old |= manifest == old;
        assert_archives_complete(&seaweed, BUCKET, "v", &manifest);
        reads += 1;
    }
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        saw_old && reads > 1,
        "the reader never read during the publish"
    );
    let new = published_manifest(&seaweed, BUCKET, "v").unwrap();
    assert_eq!(new.pack("levels").unwrap().version, 2);
    assert_archives_complete(&seaweed, BUCKET, "v", &new);
}

#[test]
fn a_publish_killed_mid_upload_finishes_when_run_again() {
    let seaweed = Seaweed::start(&[BUCKET]);
    let work = tempfile::tempdir().unwrap();
    let packs = [
        PackSpec {
            id: "small",
            bytes: random_bytes(100_000, 4),
            version: 1,
        },
        PackSpec {
            id: "big",
            bytes: random_bytes(40 << 20, 5),
            version: 1,
        },
    ];
    let site = make_site(work.path(), &packs);
    let endpoint = seaweed.endpoint();
    let mut child = command(
        &[
            "pack",
            "publish",
            site.to_str().unwrap(),
            "s3://games/k",
            "--endpoint",
            &endpoint,
            "--limit-rate",
            "8MB",
            "--concurrency",
            "1",
        ],
        work.path(),
        None,
    )
    .stderr(Stdio::piped())
    .stdout(Stdio::null())
    .spawn()
    .unwrap();
    // The big archive goes first; once it is under way (at 8 MB/s it takes five seconds), kill.
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.starts_with("uploading packs/") {
        line.clear();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "publish ended early"
        );
    }
    std::thread::sleep(Duration::from_secs(1));
    let started = Instant::now();
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success() && started.elapsed() < Duration::from_secs(3));
    assert!(
        published_manifest(&seaweed, BUCKET, "k").is_none(),
        "a manifest was written before its archives"
    );

    let rerun = publish(&seaweed, &site, "s3://games/k", &[]);
    assert!(rerun.status.success(), "{}", text(&rerun));
    let manifest = published_manifest(&seaweed, BUCKET, "k").expect("the rerun wrote it");
    assert_archives_complete(&seaweed, BUCKET, "k", &manifest);
}
