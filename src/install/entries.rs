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
#[path = "entries_tests.rs"]
mod tests;
