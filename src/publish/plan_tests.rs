//! Tests of the publish plan (`plan.rs`).

use super::*;
use crate::publish::names::archive_name;

fn archive(seed: &[u8], size: u64) -> Wanted {
    let sha256 = Sha256Digest::of(seed);
    Wanted {
        name: archive_name(&sha256),
        size,
        sha256,
        kind: ObjectKind::Archive,
        source: PathBuf::from("site/packs/x.zip"),
    }
}

fn file(name: &str, seed: &[u8]) -> Wanted {
    Wanted {
        name: name.into(),
        size: seed.len() as u64,
        sha256: Sha256Digest::of(seed),
        kind: ObjectKind::File,
        source: PathBuf::from("site").join(name),
    }
}

fn after(wanted: &[Wanted], manifest: Sha256Digest) -> RemoteState {
    let plan = plan(wanted, manifest, &RemoteState::default());
    RemoteState {
        objects: wanted.iter().map(|w| (w.name.clone(), w.size)).collect(),
        manifest_sha256: Some(manifest),
        last_record: plan.record,
        manifest_recorded: true,
    }
}

#[test]
fn a_first_publish_uploads_archives_largest_first_then_files_then_the_manifest() {
    let wanted = [
        file("config.json", b"{}"),
        archive(b"a", 10),
        archive(b"b", 99),
    ];
    let plan = plan(&wanted, Sha256Digest::of(b"m"), &RemoteState::default());
    let order: Vec<u64> = plan.uploads.iter().map(|u| u.object.size).collect();
    assert_eq!(order, [99, 10, 2]);
    assert!(plan.uploads.iter().all(|u| u.reason == Reason::Missing));
    assert!(plan.write_manifest);
    let record = plan.record.unwrap();
    assert_eq!(record.number, 1);
    assert_eq!(record.archives.len(), 2);
    assert!(plan.retired.is_empty());
}

#[test]
fn republishing_an_unchanged_site_does_nothing() {
    let wanted = [archive(b"a", 10), file("config.json", b"{}")];
    let manifest = Sha256Digest::of(b"m");
    let plan = plan(&wanted, manifest, &after(&wanted, manifest));
    assert!(plan.is_empty(), "{plan:?}");
    assert_eq!(plan.kept.len(), 2);
}

#[test]
fn a_new_version_uploads_only_what_changed_and_retires_what_it_stops_naming() {
    let old = [
        archive(b"a", 10),
        archive(b"b", 20),
        file("config.json", b"{}"),
    ];
    let remote = after(&old, Sha256Digest::of(b"m1"));
    let new = [
        archive(b"a", 10),
        archive(b"c", 30),
        file("config.json", b"{1}"),
    ];
    let plan = plan(&new, Sha256Digest::of(b"m2"), &remote);
    let names: Vec<&str> = plan
        .uploads
        .iter()
        .map(|u| u.object.name.as_str())
        .collect();
    assert_eq!(names, [new[1].name.as_str(), "config.json"]);
    assert_eq!(plan.uploads[1].reason, Reason::WrongSize { found: 2 });
    assert_eq!(plan.retired, [old[1].name.clone()]);
    assert!(plan.write_manifest);
    assert_eq!(plan.record.unwrap().number, 2);
}

#[test]
fn an_interrupted_publish_resumes_with_what_is_missing() {
    let wanted = [archive(b"a", 10), archive(b"b", 20)];
    let mut remote = RemoteState::default();
    remote.objects.insert(wanted[1].name.clone(), 20);
    let plan = plan(&wanted, Sha256Digest::of(b"m"), &remote);
    assert_eq!(plan.uploads.len(), 1);
    assert_eq!(plan.uploads[0].object.name, wanted[0].name);
    assert_eq!(plan.kept, [wanted[1].clone()]);
    assert!(plan.write_manifest && plan.record.is_some());
}

#[test]
fn a_file_of_the_same_size_but_not_on_record_is_uploaded_again() {
    let wanted = [file("config.json", b"{a}")];
    let mut remote = after(&[file("config.json", b"{b}")], Sha256Digest::of(b"m"));
    remote.manifest_sha256 = Some(Sha256Digest::of(b"m"));
    let plan = plan(&wanted, Sha256Digest::of(b"m"), &remote);
    assert_eq!(plan.uploads[0].reason, Reason::Changed);
}

#[test]
fn what_no_record_names_is_never_overwritten() {
    let wanted = [archive(b"a", 10), file("config.json", b"{}")];
    let mut remote = RemoteState {
        manifest_sha256: Some(Sha256Digest::of(b"someone else's")),
        ..RemoteState::default()
    };
    remote.objects.insert("config.json".into(), 7);
    let plan = plan(&wanted, Sha256Digest::of(b"m"), &remote);
    assert_eq!(plan.foreign, ["manifest.json", "config.json"]);
    // Once a record names them they are bgassets' own.
    let remote = after(&wanted, Sha256Digest::of(b"m"));
    let changed = [archive(b"a", 10), file("config.json", b"{1}")];
    assert!(plan_of(&changed, &remote).foreign.is_empty());
}

fn plan_of(wanted: &[Wanted], remote: &RemoteState) -> PublishPlan {
    plan(wanted, Sha256Digest::of(b"m2"), remote)
}

#[test]
fn archives_gone_or_resized_since_the_listing_are_missing_and_files_are_not_checked() {
    let wanted = [
        archive(b"a", 10),
        archive(b"b", 20),
        archive(b"c", 30),
        file("config.json", b"{}"),
    ];
    let mut listing = BTreeMap::new();
    listing.insert(wanted[0].name.clone(), 10);
    listing.insert(wanted[1].name.clone(), 7);
    let mut expected = vec![wanted[1].name.clone(), wanted[2].name.clone()];
    expected.sort();
    assert_eq!(missing_archives(&wanted, &listing), expected);
    listing.insert(wanted[1].name.clone(), 20);
    listing.insert(wanted[2].name.clone(), 30);
    assert!(missing_archives(&wanted, &listing).is_empty());
}

#[test]
fn a_manifest_replaced_by_hand_after_a_publish_is_never_overwritten() {
    let wanted = [archive(b"a", 10)];
    let mut remote = after(&wanted, Sha256Digest::of(b"m"));
    // Someone replaced manifest.json since: no record gives its SHA-256.
    remote.manifest_sha256 = Some(Sha256Digest::of(b"edited by hand"));
    remote.manifest_recorded = false;
    let plan = plan(&wanted, Sha256Digest::of(b"m2"), &remote);
    assert_eq!(plan.foreign, ["manifest.json"]);
    // The manifest of an older (or interrupted newer) publish on record is bgassets' own.
    remote.manifest_recorded = true;
    assert!(plan_of(&wanted, &remote).foreign.is_empty());
}
