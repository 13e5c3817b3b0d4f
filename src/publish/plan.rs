//! The publish plan, a pure decision: from what the local site wants in place and what the
//! store already holds, which objects to upload, which to keep, which archives this publish
//! stops naming (retired: they stay until `pack prune`), whether the manifest changes, which
//! publish record to write, and what the publish would overwrite that bgassets did not write
//! (refused). The record comes first (it names what the publish is about to write, so a rerun
//! knows those objects are its own), then uploads, then the manifest.

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
    /// Whether some publish record gives the manifest in place its SHA-256 (bgassets wrote it).
    pub manifest_recorded: bool,
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
    /// The record to write before the uploads; `None` when the newest one says the same.
    pub record: Option<PublishRecord>,
    /// Objects in the store this publish would overwrite though no publish record names them
    /// (another tool's `manifest.json` or file): the publish is refused.
    pub foreign: Vec<String>,
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
    let foreign = foreign(&uploads, remote);
    PublishPlan {
        foreign,
        uploads,
        kept,
        retired,
        write_manifest: remote.manifest_sha256 != Some(manifest_sha256),
        record: (!last.is_some_and(|r| r.same_content(&record))).then_some(record),
    }
}

/// The archives of `wanted` that `listing` (the names under `packs/` with their sizes, listed
/// just before the manifest is written) does not hold at their size: the manifest may not name
/// them.
pub fn missing_archives(wanted: &[Wanted], listing: &BTreeMap<String, u64>) -> Vec<String> {
    let mut missing: Vec<String> = wanted
        .iter()
        .filter(|w| w.kind == ObjectKind::Archive && listing.get(&w.name) != Some(&w.size))
        .map(|w| w.name.clone())
        .collect();
    missing.sort();
    missing.dedup();
    missing
}

/// What a publish would overwrite that no record says bgassets wrote: a manifest in place whose
/// SHA-256 no record gives (none at all, or replaced by hand since), and site files the newest
/// record does not name.
fn foreign(uploads: &[Upload], remote: &RemoteState) -> Vec<String> {
    let last = remote.last_record.as_ref();
    let mut foreign = Vec::new();
    if remote.manifest_sha256.is_some() && !remote.manifest_recorded {
        foreign.push(super::names::MANIFEST_NAME.to_string());
    }
    for upload in uploads {
        let name = &upload.object.name;
        let recorded = last.is_some_and(|r| r.files.iter().any(|f| &f.name == name));
        if upload.object.kind == ObjectKind::File && remote.objects.contains_key(name) && !recorded
        {
            foreign.push(name.clone());
        }
    }
    foreign
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
