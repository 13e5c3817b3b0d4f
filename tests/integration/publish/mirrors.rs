//! Packs delivered from more than one origin (issue 16), against SeaweedFS: a site published
//! to two prefixes with `--mirror-base` lists the second as each pack's mirror, and a manager
//! installs a pack missing from the first from there; a presigned URL that has expired is
//! refused by the store and `bgassets download` moves to the next origin, a fresh presigned URL
//! whose signed query string goes out exactly as it was given.

use std::time::Duration;

use object_store::aws::AmazonS3Builder;
use object_store::path::Path as StorePath;
use object_store::signer::Signer;

use super::BUCKET;
use super::helpers::*;
use crate::support::random_bytes;
use crate::support::seaweed::{ACCESS_KEY, SECRET_KEY, Seaweed};

#[test]
fn an_expired_presigned_url_gives_way_to_a_fresh_presigned_mirror() {
    let seaweed = Seaweed::start(&[BUCKET]);
    let dir = tempfile::tempdir().unwrap();
    let bytes = random_bytes(3_000_000, 11);
    let site = make_site(
        dir.path(),
        &[PackSpec {
            id: "Maps",
            bytes,
            version: 1,
        }],
    );
    let published = publish(&seaweed, &site, "s3://games/signed", &[]);
    assert!(published.status.success(), "{}", text(&published));
    let manifest = published_manifest(&seaweed, BUCKET, "signed").expect("a manifest");
    let pack = &manifest.asset_packs[0];
    let key = StorePath::from(format!("signed/{}", pack.url));

    let store = AmazonS3Builder::new()
        .with_bucket_name(BUCKET)
        .with_region("us-east-1")
        .with_access_key_id(ACCESS_KEY)
        .with_secret_access_key(SECRET_KEY)
        .with_endpoint(seaweed.endpoint().trim_end_matches('/'))
        .with_allow_http(true)
        .build()
        .unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sign = |ttl| runtime.block_on(store.signed_url(reqwest::Method::GET, &key, ttl));
    let expiring = sign(Duration::from_secs(1)).unwrap();
    let fresh = sign(Duration::from_secs(3600)).unwrap();
    assert!(fresh.query().is_some_and(|q| q.contains("X-Amz-Signature")));
    std::thread::sleep(Duration::from_millis(2500));
    let refused = runtime.block_on(reqwest::get(expiring.clone())).unwrap();
    assert_eq!(refused.status(), 403, "the store refuses an expired URL");

    let out = dir.path().join("Maps.zip");
    let (sha256, size) = (pack.sha256.to_hex(), pack.download_size.to_string());
    let download = command(
        &[
            "download",
            expiring.as_str(),
            "--mirror",
            fresh.as_str(),
            "--sha256",
            &sha256,
            "--size",
            &size,
            "--output",
            out.to_str().unwrap(),
            "--json",
        ],
        dir.path(),
        None,
    )
    .output()
    .unwrap();
    assert!(download.status.success(), "{}", text(&download));
    let archive = std::fs::read(site.join("packs/Maps.zip")).unwrap();
    assert!(std::fs::read(&out).unwrap() == archive, "byte-identical");
    let report: serde_json::Value = serde_json::from_slice(&download.stdout).unwrap();
    assert_eq!(report["state"], "finished", "{report}");
    assert_eq!(
        report["attempts"], 2,
        "the expired URL, then the fresh one: {report}"
    );
    assert_eq!(report["mirror"], fresh.as_str(), "{report}");
}

#[test]
fn a_pack_missing_from_the_first_bucket_installs_from_the_mirror_publish_named() {
    let seaweed = Seaweed::start(&[BUCKET]);
    let dir = tempfile::tempdir().unwrap();
    let site = make_site(
        dir.path(),
        &[PackSpec {
            id: "Maps",
            bytes: random_bytes(2_000_000, 12),
            version: 1,
        }],
    );
    // The mirror first, then the primary naming it.
    let mirror = publish(&seaweed, &site, "s3://games/mirror", &[]);
    assert!(mirror.status.success(), "{}", text(&mirror));
    let base = seaweed.url_of(BUCKET, "mirror");
    let primary = publish(
        &seaweed,
        &site,
        "s3://games/primary",
        &["--mirror-base", &base],
    );
    assert!(primary.status.success(), "{}", text(&primary));
    let manifest = published_manifest(&seaweed, BUCKET, "primary").expect("a manifest");
    let pack = &manifest.asset_packs[0];
    assert_eq!(pack.mirrors, [format!("{base}/{}", pack.url)]);

    // The primary loses the archive (a half-finished upload, an over-eager prune).
    delete_object(&seaweed, "s3://games/primary", &pack.url);
    let plist = dir.path().join("Info.plist");
    let manifest_url = seaweed.url_of(BUCKET, "primary/manifest.json");
    std::fs::write(&plist, bgassets::demo::info_plist_for(&manifest_url)).unwrap();
    let sync = command(
        &[
            "sync",
            plist.to_str().unwrap(),
            "--json",
            "--timeout",
            "120",
        ],
        dir.path(),
        None,
    )
    .arg("--data-dir")
    .arg(dir.path().join("data"))
    .output()
    .unwrap();
    assert!(sync.status.success(), "{}", text(&sync));
    let report: serde_json::Value = serde_json::from_slice(&sync.stdout).unwrap();
    assert_eq!(report["packs"][0]["state"], "installed", "{report}");
}
