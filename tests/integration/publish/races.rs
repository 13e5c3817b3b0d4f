//! What another writer to the same prefix can do while a publish runs: an archive the publish
//! found in place and kept (so did not upload) is deleted before the manifest goes up, as a
//! `pack prune` that read the records before this publish wrote its own would.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use bgassets::publish::names::archive_name;

use super::BUCKET;
use super::helpers::*;
use crate::support::random_bytes;
use crate::support::seaweed::Seaweed;

#[test]
fn a_kept_archive_deleted_during_the_publish_is_never_named_by_the_manifest() {
    let seaweed = Seaweed::start(&[BUCKET]);
    let work = tempfile::tempdir().unwrap();
    let a = || PackSpec {
        id: "a",
        bytes: random_bytes(20_000, 21),
        version: 1,
    };
    let site = make_site(work.path(), &[a()]);
    let first = publish(&seaweed, &site, "s3://games/r", &[]);
    assert!(first.status.success(), "{}", text(&first));
    let v1 = published_manifest(&seaweed, BUCKET, "r").unwrap();
    let kept = archive_name(&v1.asset_packs[0].sha256);

    // The next version keeps archive `a` and adds `c`, uploaded slowly (about 4 s at 100 kB/s).
    let c = PackSpec {
        id: "c",
        bytes: random_bytes(400_000, 22),
        version: 1,
    };
    let site = make_site(work.path(), &[a(), c]);
    let endpoint = seaweed.endpoint();
    let mut child = command(
        &[
            "pack",
            "publish",
            site.to_str().unwrap(),
            "s3://games/r",
            "--endpoint",
            &endpoint,
            "--limit-rate",
            "100kB",
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
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut said = String::new();
    let mut line = String::new();
    while !line.starts_with("uploading packs/") {
        line.clear();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "ended early: {said}"
        );
        said.push_str(&line);
    }
    assert!(said.contains(&format!("kept: {kept}")), "{said}");
    delete_object(&seaweed, "s3://games/r", &kept);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    said.push_str(&rest);
    let status = child.wait().unwrap();

    assert!(!status.success(), "{said}");
    assert!(
        said.contains(&kept) && said.contains("run the publish again"),
        "{said}"
    );
    let manifest = published_manifest(&seaweed, BUCKET, "r").unwrap();
    assert_eq!(manifest, v1, "the manifest was replaced: {said}");

    let rerun = publish(&seaweed, &site, "s3://games/r", &[]);
    assert!(rerun.status.success(), "{}", text(&rerun));
    let manifest = published_manifest(&seaweed, BUCKET, "r").unwrap();
    assert_eq!(manifest.asset_packs.len(), 2);
    assert_archives_complete(&seaweed, BUCKET, "r", &manifest);
}

#[test]
fn a_publish_record_is_never_written_over_by_a_publish_running_at_the_same_time() {
    // Two publishes to one place that listed the same records both take the next number: the
    // second to write it must find it taken (`If-None-Match: *`), not replace the first's.
    let seaweed = Seaweed::start(&[BUCKET]);
    let remote = test_remote(&seaweed, "s3://games/race");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let name = ".bgassets/publishes/000001.json";
    let put = |bytes: &[u8]| {
        runtime.block_on(remote.put_new(
            name,
            bytes.to_vec().into(),
            "no-store",
            "application/json",
        ))
    };
    assert!(put(b"first").unwrap(), "the first writes it");
    assert!(!put(b"second").unwrap(), "the second finds it taken");
    let (status, body) = seaweed.get(BUCKET, "race/.bgassets/publishes/000001.json");
    assert_eq!((status, body.as_slice()), (200, &b"first"[..]));
}
