//! The prune plan, a pure decision: which archives `pack prune --keep N` deletes. An archive is
//! deleted only when all of these hold: its name is bgassets' content-addressed form, some
//! publish record names it (so a publish made it), none of the last N records names it, and the
//! manifest in place does not name it. Archives of a publish still under way (not yet on
//! record) and anything bgassets did not name are left alone.

use std::collections::{BTreeMap, BTreeSet};

use super::names::parse_archive_name;
use super::record::PublishRecord;

/// What a prune does.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PrunePlan {
    /// Archive names to delete, with their sizes.
    pub delete: Vec<(String, u64)>,
    /// Archive names kept because a recent publish or the manifest in place names them.
    pub kept: Vec<String>,
    /// Archive names no record names (a publish under way, or interrupted): left alone.
    pub unrecorded: Vec<String>,
}

impl PrunePlan {
    /// The bytes deleted, saturating.
    pub fn delete_bytes(&self) -> u64 {
        self.delete
            .iter()
            .fold(0u64, |sum, (_, size)| sum.saturating_add(*size))
    }
}

/// Decides a prune. `records` are every publish record found (any order), `objects` every
/// object under the prefix with its size, `in_manifest` the archive names the manifest in
/// place names, `keep` how many of the newest publishes keep their archives (at least 1).
pub fn prune_plan(
    records: &[PublishRecord],
    objects: &BTreeMap<String, u64>,
    in_manifest: &BTreeSet<String>,
    keep: usize,
) -> PrunePlan {
    let mut newest_first: Vec<&PublishRecord> = records.iter().collect();
    newest_first.sort_by_key(|r| std::cmp::Reverse(r.number));
    let protected: BTreeSet<&str> = newest_first
        .iter()
        .take(keep.max(1))
        .flat_map(|r| r.archives.iter().map(String::as_str))
        .chain(in_manifest.iter().map(String::as_str))
        .collect();
    let recorded: BTreeSet<&str> = records
        .iter()
        .flat_map(|r| r.archives.iter().map(String::as_str))
        .collect();
    let mut plan = PrunePlan::default();
    for (name, size) in objects {
        if parse_archive_name(name).is_none() {
            continue;
        }
        if protected.contains(name.as_str()) {
            plan.kept.push(name.clone());
        } else if recorded.contains(name.as_str()) {
            plan.delete.push((name.clone(), *size));
        } else {
            plan.unrecorded.push(name.clone());
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Sha256Digest;
    use crate::publish::names::archive_name;
    use crate::publish::record::RECORD_FORMAT;

    fn name(seed: &str) -> String {
        archive_name(&Sha256Digest::of(seed.as_bytes()))
    }

    fn record(number: u64, archives: &[&str]) -> PublishRecord {
        PublishRecord {
            format: RECORD_FORMAT,
            number,
            manifest_sha256: Sha256Digest::of(&number.to_le_bytes()),
            archives: archives.iter().map(|a| name(a)).collect(),
            files: Vec::new(),
        }
    }

    fn objects(names: &[&str]) -> BTreeMap<String, u64> {
        let mut objects: BTreeMap<String, u64> = names.iter().map(|n| (name(n), 5)).collect();
        objects.insert("manifest.json".into(), 1);
        objects.insert("packs/hand-made.zip".into(), 7);
        objects.insert("config.json".into(), 2);
        objects
    }

    #[test]
    fn keep_one_deletes_only_archives_older_publishes_named() {
        let records = [record(1, &["a", "b"]), record(2, &["b", "c"])];
        let in_manifest = [name("b"), name("c")].into_iter().collect();
        let plan = prune_plan(&records, &objects(&["a", "b", "c", "x"]), &in_manifest, 1);
        assert_eq!(plan.delete, [(name("a"), 5)]);
        assert_eq!(plan.kept.len(), 2);
        assert_eq!(plan.unrecorded, [name("x")]);
        assert_eq!(plan.delete_bytes(), 5);
    }

    #[test]
    fn keep_two_keeps_the_previous_publish_too() {
        let records = [record(2, &["b"]), record(1, &["a"]), record(3, &["c"])];
        let in_manifest = [name("c")].into_iter().collect();
        let plan = prune_plan(&records, &objects(&["a", "b", "c"]), &in_manifest, 2);
        assert_eq!(plan.delete, [(name("a"), 5)]);
    }

    #[test]
    fn the_manifest_in_place_protects_its_archives_even_without_a_record() {
        let records = [record(1, &["a"]), record(2, &["b"])];
        let in_manifest = [name("a")].into_iter().collect();
        let plan = prune_plan(&records, &objects(&["a", "b"]), &in_manifest, 1);
        assert!(plan.delete.is_empty(), "{plan:?}");
    }

    #[test]
    fn keep_zero_is_read_as_one_and_nothing_without_records_is_deleted() {
        let plan = prune_plan(&[], &objects(&["a"]), &BTreeSet::new(), 0);
        assert!(plan.delete.is_empty());
        let records = [record(1, &["a"])];
        let plan = prune_plan(&records, &objects(&["a"]), &BTreeSet::new(), 0);
        assert!(plan.delete.is_empty());
    }
}
