//! `pack publish --dry-run` writes nothing; a second publish retires (but keeps) what it stops
//! naming; `pack prune --keep 1` deletes only archives an older publish named, leaving what it
//! did not record (a hand-made object, an archive of a publish under way).

use bgassets::model::Sha256Digest;
use bgassets::publish::names::archive_name;

use super::BUCKET;
use super::helpers::*;
use crate::support::random_bytes;
use crate::support::seaweed::Seaweed;

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
