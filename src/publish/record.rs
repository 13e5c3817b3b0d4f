//! A publish record (`.bgassets/publishes/NNNNNN.json` under the prefix): what one publish's
//! manifest named. `pack publish` writes one after the manifest whenever that changed, and
//! `pack prune --keep N` keeps every archive the last N records name. Records are read back
//! from the store, so they are parsed and checked like any outside input.

use serde::{Deserialize, Serialize};

use super::names::{check_segment, parse_archive_name};
use crate::model::Sha256Digest;

/// The record format this bgassets writes and reads.
pub const RECORD_FORMAT: u32 = 1;
/// The largest record read back, in bytes.
pub const MAX_RECORD_BYTES: usize = 4 << 20;

/// What one publish put in place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublishRecord {
    /// The record format ([`RECORD_FORMAT`]).
    pub format: u32,
    /// The publish's number, from 1.
    pub number: u64,
    /// The SHA-256 of the manifest written.
    pub manifest_sha256: Sha256Digest,
    /// The archive names (`packs/<sha256>.zip`) the manifest named, sorted.
    pub archives: Vec<String>,
    /// The other site files uploaded beside the manifest, sorted by name.
    pub files: Vec<RecordedFile>,
}

/// A site file that is not an archive (say `config.json`), as published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedFile {
    /// Its name relative to the prefix.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its SHA-256.
    pub sha256: Sha256Digest,
}

impl PublishRecord {
    /// Parses a record read from `key`, checking every name it holds.
    pub fn parse(key: &str, bytes: &[u8]) -> Result<Self, String> {
        let record: Self = serde_json::from_slice(bytes)
            .map_err(|e| format!("{key} is not a publish record: {e}"))?;
        if record.format != RECORD_FORMAT {
            return Err(format!(
                "{key} has record format {}, this bgassets reads {RECORD_FORMAT}",
                record.format
            ));
        }
        if let Some(bad) = record
            .archives
            .iter()
            .find(|n| parse_archive_name(n).is_none())
        {
            return Err(format!("{key} names `{bad}`, which is not an archive name"));
        }
        if let Some(bad) = record.files.iter().find(|f| !is_file_name(&f.name)) {
            return Err(format!("{key} names the file `{}`, refused", bad.name));
        }
        Ok(record)
    }

    /// Parses the record read from `key`, the name of record `number`: a record whose own number
    /// is another is refused, since the next publish numbers its record from it (it would
    /// overwrite an older record, and never be read back as the newest).
    pub fn parse_numbered(key: &str, number: u64, bytes: &[u8]) -> Result<Self, String> {
        let record = Self::parse(key, bytes)?;
        if record.number != number {
            return Err(format!(
                "{key} says it is publish number {}, not {number} as its name says",
                record.number
            ));
        }
        Ok(record)
    }

    /// Whether `other` put the same things in place (its number aside).
    pub fn same_content(&self, other: &PublishRecord) -> bool {
        self.manifest_sha256 == other.manifest_sha256
            && self.archives == other.archives
            && self.files == other.files
    }

    /// The record as written: pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }
}

/// A site file's name: `/`-separated segments of letters, digits, `-`, `_` and `.`, not under
/// `packs/` or `.bgassets/` (bgassets' own names) and not the manifest.
pub fn is_file_name(name: &str) -> bool {
    name.len() <= 512
        && name != super::names::MANIFEST_NAME
        && !name.starts_with(super::names::ARCHIVES_FOLDER)
        && !name.starts_with(".bgassets/")
        && name.split('/').all(|s| check_segment(s).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::names::archive_name;

    fn record() -> PublishRecord {
        PublishRecord {
            format: RECORD_FORMAT,
            number: 3,
            manifest_sha256: Sha256Digest::of(b"m"),
            archives: vec![archive_name(&Sha256Digest::of(b"a"))],
            files: vec![RecordedFile {
                name: "config.json".into(),
                size: 3,
                sha256: Sha256Digest::of(b"c"),
            }],
        }
    }

    #[test]
    fn a_record_round_trips_and_hostile_names_are_refused() {
        let good = record();
        assert_eq!(
            PublishRecord::parse("k", good.to_json().as_bytes()).unwrap(),
            good
        );
        let mut bad = record();
        bad.archives.push("../../other/thing.zip".into());
        assert!(PublishRecord::parse("k", bad.to_json().as_bytes()).is_err());
        let mut bad = record();
        bad.files[0].name = "packs/evil.zip".into();
        assert!(PublishRecord::parse("k", bad.to_json().as_bytes()).is_err());
        let mut bad = record();
        bad.format = 2;
        assert!(PublishRecord::parse("k", bad.to_json().as_bytes()).is_err());
        assert!(PublishRecord::parse("k", b"[]").is_err());
    }

    #[test]
    fn a_record_whose_number_is_not_the_one_in_its_name_is_refused() {
        // 000009.json saying `number: 3` would make the next publish write (and overwrite)
        // 000004.json while every later publish still reads 000009.json as the newest.
        let good = record();
        let key = crate::publish::names::record_name(9);
        let err = PublishRecord::parse_numbered(&key, 9, good.to_json().as_bytes()).unwrap_err();
        assert!(err.contains("number 3") && err.contains(&key), "{err}");
        assert_eq!(
            PublishRecord::parse_numbered(&key, 3, good.to_json().as_bytes()).unwrap(),
            good
        );
    }

    #[test]
    fn file_names_are_checked() {
        assert!(is_file_name("config.json"));
        assert!(is_file_name("extra/notes.txt"));
        for bad in [
            "manifest.json",
            "packs/a.zip",
            ".bgassets/x",
            "a/../b",
            "a b",
            "",
        ] {
            assert!(!is_file_name(bad), "{bad}");
        }
    }
}
