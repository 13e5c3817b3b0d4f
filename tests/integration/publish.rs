//! `bgassets pack publish` and `pack prune` against a real S3-compatible store (SeaweedFS, see
//! `support/seaweed.rs`): the demo site published and synced from the bucket by a real manager;
//! a republish that uploads nothing; a client reading while a new version goes up never sees a
//! manifest naming a missing archive; a publish killed mid-upload finishes when run again; each
//! store failure named; a dry run writes nothing; prune keeps what recent publishes name.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use bgassets::model::Sha256Digest;
use bgassets::publish::names::archive_name;

use crate::support::random_bytes;
use crate::support::seaweed::Seaweed;

mod helpers;
use helpers::*;

const BUCKET: &str = "games";

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

#[test]
fn store_failures_name_the_bucket_key_and_endpoint() {
    let seaweed = Seaweed::start(&[BUCKET]);
    let work = tempfile::tempdir().unwrap();
    let site = make_site(
        work.path(),
        &[PackSpec {
            id: "a",
            bytes: random_bytes(1000, 6),
            version: 1,
        }],
    );
    let endpoint = seaweed.endpoint();
    let site_arg = site.to_str().unwrap();

    let args = [
        "pack",
        "publish",
        site_arg,
        "s3://games/p",
        "--endpoint",
        &endpoint,
    ];
    let refused = command(&args, work.path(), Some("not-the-secret"))
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let said = text(&refused);
    assert!(
        said.contains("credentials refused") && said.contains("`games`"),
        "{said}"
    );
    assert!(said.contains(&endpoint), "{said}");

    let missing = publish(&seaweed, &site, "s3://no-such-bucket/p", &[]);
    assert!(!missing.status.success());
    let said = text(&missing);
    assert!(
        said.contains("bucket `no-such-bucket` does not exist"),
        "{said}"
    );

    let closed = format!("http://127.0.0.1:{}", closed_port());
    let args = [
        "pack",
        "publish",
        site_arg,
        "s3://games/p",
        "--endpoint",
        &closed,
    ];
    let started = Instant::now();
    let unreachable = command(&args, work.path(), None).output().unwrap();
    assert!(!unreachable.status.success());
    let said = text(&unreachable);
    assert!(
        said.contains(&format!("endpoint {closed} unreachable")),
        "{said}"
    );
    assert!(said.contains("s3://games/p"), "{said}");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "retried too long"
    );

    let args = [
        "pack",
        "publish",
        site_arg,
        "s3://games/p",
        "--endpoint",
        &endpoint,
    ];
    let no_credentials = command(&args, work.path(), None)
        .env_remove("AWS_ACCESS_KEY_ID")
        .output()
        .unwrap();
    assert!(!no_credentials.status.success());
    assert!(text(&no_credentials).contains("no credentials for bucket `games`"));
    assert!(published_manifest(&seaweed, BUCKET, "p").is_none());
}

#[test]
fn a_dry_run_writes_nothing_and_prune_keep_one_retires_only_unnamed_archives() {
    let seaweed = Seaweed::start(&[BUCKET]);
    let work = tempfile::tempdir().unwrap();
    let a = || PackSpec {
        id: "a",
        bytes: random_bytes(50_000, 7),
        version: 1,
    };
    let site = make_site(
        work.path(),
        &[
            a(),
            PackSpec {
                id: "b",
                bytes: random_bytes(60_000, 8),
                version: 1,
            },
        ],
    );
    let dry = publish(&seaweed, &site, "s3://games/d", &["--dry-run"]);
    assert!(dry.status.success(), "{}", text(&dry));
    assert!(
        text(&dry).contains("would upload: packs/"),
        "{}",
        text(&dry)
    );
    assert!(published_manifest(&seaweed, BUCKET, "d").is_none());
    assert_eq!(
        seaweed.get(BUCKET, "d/.bgassets/publishes/000001.json").0,
        404
    );

    let first = publish(&seaweed, &site, "s3://games/d", &[]);
    assert!(first.status.success(), "{}", text(&first));
    let v1 = published_manifest(&seaweed, BUCKET, "d").unwrap();
    let site = make_site(
        work.path(),
        &[
            a(),
            PackSpec {
                id: "b",
                bytes: random_bytes(70_000, 9),
                version: 2,
            },
        ],
    );
    let second = publish(&seaweed, &site, "s3://games/d", &[]);
    assert!(second.status.success(), "{}", text(&second));
    assert!(
        text(&second).contains("retired: packs/"),
        "{}",
        text(&second)
    );
    let v2 = published_manifest(&seaweed, BUCKET, "d").unwrap();
    let old_b = format!("d/{}", v1.pack("b").unwrap().url);
    assert_eq!(seaweed.get(BUCKET, &old_b).0, 200, "retired is not deleted");

    // Objects bgassets did not record: a hand-made one, and one of its own form no record names.
    let unrecorded = archive_name(&Sha256Digest::of(b"under way"));
    put_object(&seaweed, "s3://games/d", "packs/hand-made.zip");
    put_object(&seaweed, "s3://games/d", &unrecorded);
    let endpoint = seaweed.endpoint();
    let prune = |extra: &[&str]| {
        let mut args = vec![
            "pack",
            "prune",
            "s3://games/d",
            "--keep",
            "1",
            "--endpoint",
            &endpoint,
        ];
        args.extend_from_slice(extra);
        command(&args, work.path(), None).output().unwrap()
    };
    let dry = prune(&["--dry-run"]);
    assert!(dry.status.success(), "{}", text(&dry));
    assert!(text(&dry).contains(&format!("would delete: {}", v1.pack("b").unwrap().url)));
    assert_eq!(seaweed.get(BUCKET, &old_b).0, 200, "a dry run deleted");
    let pruned = prune(&[]);
    assert!(pruned.status.success(), "{}", text(&pruned));
    assert_eq!(seaweed.get(BUCKET, &old_b).0, 404, "{}", text(&pruned));
    assert_archives_complete(&seaweed, BUCKET, "d", &v2);
    assert_eq!(seaweed.get(BUCKET, "d/manifest.json").0, 200);
    assert_eq!(seaweed.get(BUCKET, "d/packs/hand-made.zip").0, 200);
    assert_eq!(seaweed.get(BUCKET, &format!("d/{unrecorded}")).0, 200);
    assert!(text(&pruned).contains(&format!("left alone: {unrecorded}")));
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}
