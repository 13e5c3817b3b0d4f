//! Checking every entry of an archive before a byte is written: the plan of what to extract, or
//! a refusal naming the entry and the rule it breaks.
//!
//! An entry must have a name [`names`](super::names) accepts (UTF-8 header bytes, one name, a
//! safe relative path, unique also after case folding and Unicode normalisation, never both a
//! file and a folder); be a regular file or a folder (no symlink or other special file); be
//! stored or deflated, unencrypted; and have a local header that agrees with its central
//! directory record (name, flags, method, CRC and sizes), with no entry overlapping another and
//! no local header the central directory does not list. The archive holds at most
//! [`MAX_ENTRIES`] entries, and the sizes its files declare add up, without overflowing, to no
//! more than the limit. The pack's own manifest (`.bgassets/`) is not extracted.

use std::path::Path;

use zip::CompressionMethod;

use super::InstallError;
use super::central::{self, Problem, Record};
use super::names::{self, Names, printable};
use super::reader::Archive;

/// The most entries an archive may have.
pub const MAX_ENTRIES: usize = 100_000;
/// The longest name of one file or folder, in bytes.
pub const MAX_COMPONENT: usize = 255;
/// The longest path of an entry, in bytes.
pub const MAX_PATH: usize = 1024;
/// The folder holding the pack's own manifest in an archive; not extracted.
pub const MANIFEST_FOLDER: &str = ".bgassets";

const S_IFMT: u32 = 0o170_000;
const S_IFREG: u32 = 0o100_000;
const S_IFDIR: u32 = 0o040_000;
/// The MS-DOS attribute of a reparse point (a Windows symlink or junction).
const DOS_REPARSE_POINT: u32 = 0x400;

/// One entry to extract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// The entry's index in the archive.
    pub index: usize,
    /// The checked relative path, without a trailing `/`.
    pub name: String,
    /// The declared uncompressed size (the extractor checks the real one).
    pub size: u64,
    /// A folder entry (its name ended in `/`).
    pub is_dir: bool,
}

/// What [`check`] found: the entries to extract, the declared total and the limit.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The entries to extract, in archive order.
    pub entries: Vec<Planned>,
    /// The uncompressed bytes the entries declare, in all.
    pub declared: u64,
    /// The most bytes the pack may take once installed.
    pub limit: u64,
}

/// Checks every entry of `zip` (opened from `archive`) against the rules above.
pub fn check(archive: &Path, zip: &Archive, limit: u64) -> Result<Plan, InstallError> {
    let bad_archive = |problem: String| InstallError::Archive {
        archive: archive.to_path_buf(),
        problem,
    };
    let refuse_raw = |name: &[u8], problem: String| InstallError::Entry {
        archive: archive.to_path_buf(),
        entry: printable(&String::from_utf8_lossy(name)),
        problem,
    };
    if zip.len() > MAX_ENTRIES {
        return Err(bad_archive(format!(
            "it has {} entries, more than the {MAX_ENTRIES} a pack may have",
            zip.len()
        )));
    }
    let records = central::records(zip).map_err(|problem| match problem {
        Problem::TooMany => bad_archive(format!(
            "it has more than the {MAX_ENTRIES} entries a pack may have"
        )),
        Problem::LongName(start) => {
            refuse_raw(start.as_bytes(), format!("is longer than {MAX_PATH} bytes"))
        }
        Problem::Unreadable(e) => bad_archive(format!("its central directory cannot be read: {e}")),
    })?;
    if let Some(name) = central::first_duplicate(&records) {
        return Err(refuse_raw(name, "appears twice in the archive".into()));
    }
    if records.len() != zip.len() || zip.has_duplicate_names() {
        return Err(bad_archive(format!(
            "its central directory lists {} entries but the zip reader found {}",
            records.len(),
            zip.len()
        )));
    }
    let mut plan = Plan {
        limit,
        ..Plan::default()
    };
    let mut names = Names::default();
    for (index, record) in records.iter().enumerate() {
        let Some(planned) = check_entry(archive, zip, index, record, &mut names)? else {
            continue;
        };
        plan.declared = plan.declared.checked_add(planned.size).ok_or_else(|| {
            refuse_raw(
                planned.name.as_bytes(),
                "declares a size that makes the total overflow 64 bits".into(),
            )
        })?;
        if plan.declared > limit {
            return Err(InstallError::TooLarge {
                archive: archive.to_path_buf(),
                entry: Some(planned.name),
                needed: plan.declared,
                limit,
            });
        }
        plan.entries.push(planned);
    }
    central::check_local_headers(archive, zip, &records)?;
    Ok(plan)
}

/// Checks entry `index`; `None` for the pack's own manifest, which is not extracted.
fn check_entry(
    archive: &Path,
    zip: &Archive,
    index: usize,
    record: &Record,
    names: &mut Names,
) -> Result<Option<Planned>, InstallError> {
    let refuse = |problem: String| InstallError::Entry {
        archive: archive.to_path_buf(),
        entry: printable(&String::from_utf8_lossy(&record.name)),
        problem,
    };
    let entry = zip
        .by_index_data(index)
        .map_err(|e| refuse(format!("cannot be read: {e}")))?;
    let raw = names::decode(record, entry.name_raw()).map_err(refuse)?;
    let name = names::check_name(raw).map_err(refuse)?;
    if name == MANIFEST_FOLDER || name.starts_with(".bgassets/") {
        return Ok(None);
    }
    let file_type = entry.unix_mode().unwrap_or(0) & S_IFMT;
    let is_dir = raw.ends_with('/') || file_type == S_IFDIR;
    if entry.is_symlink()
        || !matches!(file_type, 0 | S_IFREG | S_IFDIR)
        || entry.external_attributes() & DOS_REPARSE_POINT != 0
    {
        return Err(refuse(
            "is a symlink or a special file; a pack holds only files and folders".into(),
        ));
    }
    if entry.encrypted() {
        return Err(refuse("is encrypted".into()));
    }
    let method = entry.compression();
    if !is_dir
        && !matches!(
            method,
            CompressionMethod::Stored | CompressionMethod::Deflated
        )
    {
        return Err(refuse(format!(
            "uses {method} compression; only stored and deflated entries can be installed"
        )));
    }
    names.claim(name, is_dir).map_err(refuse)?;
    Ok(Some(Planned {
        index,
        name: name.to_string(),
        size: if is_dir { 0 } else { entry.size() },
        is_dir,
    }))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use zip::write::SimpleFileOptions;

    use super::*;
    use crate::install::reader;

    /// A zip of `(name, options, bytes)`.
    fn zip_of(entries: &[(&str, SimpleFileOptions, &[u8])]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, options, bytes) in entries {
            zip.start_file(*name, *options).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    fn stored() -> SimpleFileOptions {
        SimpleFileOptions::default().compression_method(CompressionMethod::Stored)
    }

    fn check_bytes(bytes: &[u8], limit: u64) -> Result<Plan, InstallError> {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), bytes).unwrap();
        let zip = reader::open(file.path())?;
        check(file.path(), &zip, limit)
    }

    /// The refusal's message, which must name `entry`.
    fn refusal(bytes: &[u8], entry: &str) -> String {
        let error = check_bytes(bytes, u64::MAX).unwrap_err();
        let message = error.to_string();
        assert!(message.contains(&format!("`{entry}`")), "{message}");
        assert_eq!(error.kind(), crate::model::ErrorKind::InvalidArchive);
        message
    }

    /// Sets the 16-bit field at `offset` in the central directory record of `name`.
    fn patch_central(zip: &mut [u8], name: &str, offset: usize, value: u16) {
        let at = (0..zip.len() - 46 - name.len())
            .find(|&at| {
                zip[at..at + 4] == *b"PK\x01\x02"
                    && &zip[at + 46..at + 46 + name.len()] == name.as_bytes()
            })
            .unwrap();
        zip[at + offset..at + offset + 2].copy_from_slice(&value.to_le_bytes());
    }

    #[test]
    fn a_plan_lists_files_and_folders_without_the_manifest() {
        let bytes = zip_of(&[
            (".bgassets/pack.json", stored(), b"{}"),
            ("Levels/", stored(), b""),
            (
                "Levels/1/map.bin",
                SimpleFileOptions::default(),
                b"map map map",
            ),
            ("top.txt", stored(), b"top"),
        ]);
        let plan = check_bytes(&bytes, 14).unwrap();
        let names: Vec<(&str, bool, u64)> = plan
            .entries
            .iter()
            .map(|e| (e.name.as_str(), e.is_dir, e.size))
            .collect();
        assert_eq!(
            names,
            [
                ("Levels", true, 0),
                ("Levels/1/map.bin", false, 11),
                ("top.txt", false, 3)
            ]
        );
        assert_eq!(plan.declared, 14);
        let error = check_bytes(&bytes, 13).unwrap_err();
        assert_eq!(error.kind(), crate::model::ErrorKind::InstallSizeExceeded);
        assert!(
            error.to_string().contains("more than the 13 bytes"),
            "{error}"
        );
    }

    #[test]
    fn special_files_encryption_and_odd_names_are_refused() {
        let fifo = stored().external_attributes(0o010_644 << 16);
        refusal(&zip_of(&[("pipe", fifo, b"")]), "pipe");
        let reparse = stored().external_attributes(DOS_REPARSE_POINT);
        refusal(&zip_of(&[("junction", reparse, b"")]), "junction");

        let mut bytes = zip_of(&[("secret.bin", stored(), b"ciphertext")]);
        patch_central(&mut bytes, "secret.bin", 8, 1);
        assert!(refusal(&bytes, "secret.bin").contains("is encrypted"));

        let message = refusal(&zip_of(&[("a\nb", stored(), b"")]), "a\\nb");
        assert!(message.contains("control character"), "{message}");
        let long = "x".repeat(MAX_COMPONENT + 1);
        let message = refusal(
            &zip_of(&[(&format!("d/{long}"), stored(), b"")]),
            &format!("d/{long}"),
        );
        assert!(message.contains("longer than 255 bytes"), "{message}");
    }

    #[test]
    fn names_clash_across_case_and_between_files_and_folders() {
        // Folders that differ only by case would merge on macOS and Windows.
        let message = refusal(
            &zip_of(&[("A/x", stored(), b""), ("a/y", stored(), b"")]),
            "a/y",
        );
        assert!(message.contains("`A` differ only by case"), "{message}");
        // A folder entry where a file is, in either order.
        refusal(
            &zip_of(&[("x", stored(), b""), ("x/", stored(), b"")]),
            "x/",
        );
        refusal(
            &zip_of(&[("x/y", stored(), b""), ("x", stored(), b"")]),
            "x",
        );
        // A folder named twice is fine, and so are files sharing folders.
        check_bytes(
            &zip_of(&[
                ("d/", stored(), b""),
                ("d/a", stored(), b""),
                ("d/b", stored(), b""),
                ("D2/", stored(), b""),
            ]),
            0,
        )
        .unwrap();
    }

    #[test]
    fn too_many_entries_are_refused_before_any_is_looked_at() {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for i in 0..=MAX_ENTRIES {
            zip.start_file(format!("{i:x}"), stored()).unwrap();
        }
        let bytes = zip.finish().unwrap().into_inner();
        let error = check_bytes(&bytes, u64::MAX).unwrap_err();
        assert!(error.to_string().contains("100001 entries"), "{error}");
        assert_eq!(error.kind(), crate::model::ErrorKind::InvalidArchive);
    }
}
