//! Each store failure of `pack publish` named: credentials refused, a missing bucket, an
//! unreachable endpoint, no credentials at all; none of them leaves a manifest behind. An
//! archive whose bytes no longer match the manifest is refused before it completes, and a
//! manifest bgassets did not write is never overwritten.

use std::time::{Duration, Instant};

use super::BUCKET;
use super::helpers::*;
use crate::support::random_bytes;
use crate::support::seaweed::Seaweed;

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
fn an_archive_changed_since_pack_index_is_never_uploaded_under_its_name() {
    let seaweed = Seaweed::start(&[BUCKET]);
    let work = tempfile::tempdir().unwrap();
    let site = make_site(
        work.path(),
        &[PackSpec {
            id: "a",
            bytes: random_bytes(5000, 10),
            version: 1,
        }],
    );
    let manifest = std::fs::read_to_string(site.join("manifest.json")).unwrap();
    let manifest = bgassets::model::ServerManifest::parse("local", &manifest).unwrap();
    let archive = site.join("packs/a.zip");
    let mut bytes = std::fs::read(&archive).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff; // same size, other bytes
    std::fs::write(&archive, bytes).unwrap();
    let output = publish(&seaweed, &site, "s3://games/c", &[]);
    assert!(!output.status.success());
    let said = text(&output);
    assert!(
        said.contains("a.zip") && said.contains("upload was abandoned"),
        "{said}"
    );
    let key = format!("c/packs/{}.zip", manifest.asset_packs[0].sha256);
    assert_eq!(seaweed.get(BUCKET, &key).0, 404, "other bytes under {key}");
    assert!(published_manifest(&seaweed, BUCKET, "c").is_none());
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn a_manifest_bgassets_did_not_write_is_never_overwritten() {
    let seaweed = Seaweed::start(&[BUCKET]);
    let work = tempfile::tempdir().unwrap();
    let site = make_site(
        work.path(),
        &[PackSpec {
            id: "a",
            bytes: random_bytes(3000, 11),
            version: 1,
        }],
    );
    put_object(&seaweed, "s3://games/f", "manifest.json");
    for extra in [&["--dry-run"][..], &[]] {
        let output = publish(&seaweed, &site, "s3://games/f", extra);
        assert!(!output.status.success(), "{}", text(&output));
        let said = text(&output);
        assert!(said.contains("refused: f/manifest.json"), "{said}");
    }
    assert_eq!(seaweed.get(BUCKET, "f/manifest.json").1, b"not a pack");
    assert_eq!(
        seaweed.get(BUCKET, "f/.bgassets/publishes/000001.json").0,
        404
    );
}

#[test]
fn a_manifest_replaced_by_hand_after_a_publish_is_never_overwritten() {
    let seaweed = Seaweed::start(&[BUCKET]);
    let work = tempfile::tempdir().unwrap();
    let spec = |seed| PackSpec {
        id: "a",
        bytes: random_bytes(3000, seed),
        version: seed,
    };
    let site = make_site(work.path(), &[spec(1)]);
    let first = publish(&seaweed, &site, "s3://games/h", &[]);
    assert!(first.status.success(), "{}", text(&first));
    put_object(&seaweed, "s3://games/h", "manifest.json");
    let site = make_site(work.path(), &[spec(2)]);
    let second = publish(&seaweed, &site, "s3://games/h", &[]);
    assert!(!second.status.success(), "{}", text(&second));
    assert!(
        text(&second).contains("refused: h/manifest.json"),
        "{}",
        text(&second)
    );
    assert_eq!(seaweed.get(BUCKET, "h/manifest.json").1, b"not a pack");
}
