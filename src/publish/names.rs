//! Where a publish writes: the destination (`s3://BUCKET/PREFIX`, validated once) and the names
//! of what goes under its prefix: the manifest, content-addressed archives
//! (`packs/<sha256>.zip`), other site files, and the publish records
//! (`.bgassets/publishes/NNNNNN.json`). Only names of the archive form are ever deleted (by
//! `pack prune`), so nothing bgassets did not name can be.

use std::fmt;

use crate::model::Sha256Digest;

/// The manifest's name under the prefix.
pub const MANIFEST_NAME: &str = "manifest.json";
/// The folder (under the prefix) that holds the content-addressed archives.
pub const ARCHIVES_FOLDER: &str = "packs/";
/// The folder (under the prefix) that holds one record per publish.
pub const RECORDS_FOLDER: &str = ".bgassets/publishes/";
/// The longest prefix accepted, in bytes (S3 keys are at most 1,024 bytes).
const MAX_PREFIX: usize = 512;

/// A validated `s3://BUCKET/PREFIX`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    bucket: String,
    /// Empty, or segments joined by `/` without a leading or trailing `/`.
    prefix: String,
}

impl Destination {
    /// Parses `s3://BUCKET` or `s3://BUCKET/PREFIX` (a trailing `/` is allowed).
    pub fn parse(text: &str) -> Result<Self, String> {
        let rest = text
            .strip_prefix("s3://")
            .ok_or_else(|| format!("`{text}` is not an s3://BUCKET/PREFIX address"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        check_bucket(bucket).map_err(|p| format!("`{text}`: bucket `{bucket}` {p}"))?;
        let prefix = prefix.trim_end_matches('/');
        if prefix.len() > MAX_PREFIX {
            return Err(format!(
                "`{text}`: the prefix is longer than {MAX_PREFIX} bytes"
            ));
        }
        if !prefix.is_empty() {
            for segment in prefix.split('/') {
                check_segment(segment)
                    .map_err(|p| format!("`{text}`: prefix segment `{segment}` {p}"))?;
            }
        }
        Ok(Self {
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
        })
    }

    /// The bucket's name.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The prefix (empty for the bucket's root).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The object key of `name`, a name relative to the prefix.
    pub fn key(&self, name: &str) -> String {
        if self.prefix.is_empty() {
            name.to_string()
        } else {
            format!("{}/{name}", self.prefix)
        }
    }

    /// The name relative to the prefix of `key`, when the key lies under it.
    pub fn name_of<'a>(&self, key: &'a str) -> Option<&'a str> {
        if self.prefix.is_empty() {
            return Some(key);
        }
        key.strip_prefix(self.prefix.as_str())?.strip_prefix('/')
    }
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.prefix)
    }
}

/// The content-addressed name of an archive: `packs/<sha256>.zip`. The same bytes always get
/// the same name, and a name never gets other bytes, so an archive is uploaded once and cached
/// forever.
pub fn archive_name(sha256: &Sha256Digest) -> String {
    format!("{ARCHIVES_FOLDER}{}.zip", sha256.to_hex())
}

/// The digest in an archive name bgassets made, or `None` for any other name.
pub fn parse_archive_name(name: &str) -> Option<Sha256Digest> {
    let hex = name.strip_prefix(ARCHIVES_FOLDER)?.strip_suffix(".zip")?;
    if hex.len() != 64 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    Sha256Digest::parse_hex(hex).ok()
}

/// The name of publish record `number`.
pub fn record_name(number: u64) -> String {
    format!("{RECORDS_FOLDER}{number:06}.json")
}

/// The number of a publish record's name, or `None` for any other name.
pub fn parse_record_name(name: &str) -> Option<u64> {
    let digits = name.strip_prefix(RECORDS_FOLDER)?.strip_suffix(".json")?;
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n| *n > 0)
}

/// S3's bucket naming rules: 3–63 lower-case letters, digits, `.` and `-`, starting and ending
/// with a letter or digit.
fn check_bucket(bucket: &str) -> Result<(), &'static str> {
    if !(3..=63).contains(&bucket.len()) {
        return Err("must be 3 to 63 characters long");
    }
    if !bucket
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
    {
        return Err("may hold only lower-case letters, digits, `.` and `-`");
    }
    let edge = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_alphanumeric());
    if !edge(bucket.bytes().next()) || !edge(bucket.bytes().last()) {
        return Err("must start and end with a letter or digit");
    }
    Ok(())
}

/// A key segment bgassets writes under: letters, digits, `-`, `_`, `.`, not `.` or `..`.
pub(crate) fn check_segment(segment: &str) -> Result<(), &'static str> {
    if segment.is_empty() {
        return Err("is empty");
    }
    if segment == "." || segment == ".." {
        return Err("may not be `.` or `..`");
    }
    if !segment
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err("may hold only letters, digits, `-`, `_` and `.`");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_are_parsed_and_checked() {
        let d = Destination::parse("s3://my-bucket/games/starfield/").unwrap();
        assert_eq!(d.bucket(), "my-bucket");
        assert_eq!(d.prefix(), "games/starfield");
        assert_eq!(d.key("manifest.json"), "games/starfield/manifest.json");
        assert_eq!(d.name_of("games/starfield/packs/x"), Some("packs/x"));
        assert_eq!(d.name_of("games/starfield2/x"), None);
        let root = Destination::parse("s3://bucket").unwrap();
        assert_eq!(root.key("manifest.json"), "manifest.json");
        for bad in [
            "https://bucket/x",
            "s3://Bucket/x",
            "s3://ab/x",
            "s3://-bucket/x",
            "s3://bucket/a//b",
            "s3://bucket/../x",
            "s3://bucket/a b",
            "s3://bucket/a%2F",
        ] {
            assert!(Destination::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn archive_and_record_names_round_trip_and_nothing_else_parses() {
        let digest = Sha256Digest::of(b"pack");
        let name = archive_name(&digest);
        assert_eq!(parse_archive_name(&name), Some(digest));
        assert_eq!(parse_archive_name("packs/tutorial.zip"), None);
        assert_eq!(parse_archive_name(&name.to_uppercase()), None);
        assert_eq!(parse_archive_name(&format!("x/{name}")), None);
        assert_eq!(parse_record_name(&record_name(42)), Some(42));
        assert_eq!(parse_record_name(".bgassets/publishes/0.json"), None);
        assert_eq!(parse_record_name(".bgassets/publishes/x1.json"), None);
    }
}
