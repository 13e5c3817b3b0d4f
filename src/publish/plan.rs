//! The publish plan, a pure decision: from what the local site wants in place and what the
//! store already holds, which objects to upload, which to keep, which archives this publish
//! stops naming (retired: they stay until `pack prune`), whether the manifest changes and
//! which publish record to write. Uploads come first, the manifest after them, the record last.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::record::{PublishRecord, RECORD_FORMAT, RecordedFile};
use crate::model::Sha256Digest;

/// What an object is, which decides its caching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    /// A content-addressed pack archive: immutable, cached for a year.
    Archive,
    /// Another site file (say `config.json`): replaced in place, cached briefly.
    File,
}

/// An object the site wants in place under the prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    /// Its name relative to the prefix.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its SHA-256.
    pub sha256: Sha256Digest,
    /// Archive or other file.
    pub kind: ObjectKind,
    /// The local file holding it.
    pub source: PathBuf,
}

/// What the store holds under the prefix, as listed before the publish.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoteState {
    /// Every object's name (relative to the prefix) and size.
    pub objects: BTreeMap<String, u64>,
    /// The SHA-256 of the manifest in place, if there is one.
    pub manifest_sha256: Option<Sha256Digest>,
    /// The newest publish record, if any.
    pub last_record: Option<PublishRecord>,
}

/// Why an object is uploaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The store does not have it.
    Missing,
    /// The store has an object of that name with another size.
    WrongSize {
        /// The size the store holds.
        found: u64,
    },
    /// A site file whose content changed since the last publish (or is not on record).
    Changed,
}

/// One upload of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// What goes up.
    pub object: Wanted,
    /// Why.
    pub reason: Reason,
}

/// What a publish does, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishPlan {
    /// Objects to upload, archives first (largest first, so the longest work starts early).
    pub uploads: Vec<Upload>,
    /// Objects already in place.
    pub kept: Vec<Wanted>,
    /// Archives the previous publish named that this one does not (deleted by `pack prune`).
    pub retired: Vec<String>,
    /// Whether the manifest is written (false: the one in place is byte-for-byte the same).
    pub write_manifest: bool,
    /// The record to write after the manifest; `None` when the newest one says the same.
    pub record: Option<PublishRecord>,
}

impl PublishPlan {
    /// Whether the publish changes nothing in the store.
    pub fn is_empty(&self) -> bool {
        self.uploads.is_empty() && !self.write_manifest && self.record.is_none()
    }

    /// The bytes to upload, saturating.
    pub fn upload_bytes(&self) -> u64 {
        self.uploads
            .iter()
            .fold(0u64, |sum, u| sum.saturating_add(u.object.size))
    }
}

/// Decides the publish of `wanted` objects and a manifest whose SHA-256 is `manifest_sha256`.
pub fn plan(wanted: &[Wanted], manifest_sha256: Sha256Digest, remote: &RemoteState) -> PublishPlan {
    let last = remote.last_record.as_ref();
    let mut uploads = Vec::new();
    let mut kept = Vec::new();
    for object in wanted {
        let reason = match (remote.objects.get(&object.name), object.kind) {
            (None, _) => Some(Reason::Missing),
            (Some(&found), _) if found != object.size => Some(Reason::WrongSize { found }),
            (Some(_), ObjectKind::Archive) => None,
            (Some(_), ObjectKind::File) => {
                let recorded = last.is_some_and(|r| {
                    r.files
                        .iter()
                        .any(|f| f.name == object.name && f.sha256 == object.sha256)
                });
                (!recorded).then_some(Reason::Changed)
            }
        };
        match reason {
            Some(reason) => uploads.push(Upload {
                object: object.clone(),
                reason,
            }),
            None => kept.push(object.clone()),
        }
    }
    uploads.sort_by(|a, b| {
        let rank = |u: &Upload| u.object.kind == ObjectKind::File;
        rank(a)
            .cmp(&rank(b))
            .then(b.object.size.cmp(&a.object.size))
            .then(a.object.name.cmp(&b.object.name))
    });
    let mut archives: Vec<String> = wanted
        .iter()
        .filter(|w| w.kind == ObjectKind::Archive)
        .map(|w| w.name.clone())
        .collect();
    archives.sort();
    archives.dedup();
    let mut files: Vec<RecordedFile> = wanted
        .iter()
        .filter(|w| w.kind == ObjectKind::File)
        .map(|w| RecordedFile {
            name: w.name.clone(),
            size: w.size,
            sha256: w.sha256,
        })
        .collect();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    let retired = last
        .map(|r| {
            r.archives
                .iter()
                .filter(|name| archives.binary_search(name).is_err())
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let record = PublishRecord {
        format: RECORD_FORMAT,
        number: last.map_or(1, |r| r.number.saturating_add(1)),
        manifest_sha256,
        archives,
        files,
    };
    PublishPlan {
        uploads,
        kept,
        retired,
        write_manifest: remote.manifest_sha256 != Some(manifest_sha256),
        record: (!last.is_some_and(|r| r.same_content(&record))).then_some(record),
    }
}

#[cfg(test)]
mod tests {
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
    fn a_manifest_in_place_without_its_record_gets_the_record_only() {
        let wanted = [archive(b"a", 10)];
        let manifest = Sha256Digest::of(b"m");
        let mut remote = after(&wanted, manifest);
        remote.last_record = None;
        let plan = plan(&wanted, manifest, &remote);
        assert!(plan.uploads.is_empty() && !plan.write_manifest);
        assert!(plan.record.is_some());
    }
}
