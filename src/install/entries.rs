//! Checking an archive's entries before anything is written: the plan of what to extract, or a
//! refusal naming the entry and the rule it breaks.

use std::collections::HashSet;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use zip::CompressionMethod;

use super::InstallError;
use crate::model::rel_path;

/// The most entries an archive may have.
pub const MAX_ENTRIES: usize = 100_000;

const S_IFMT: u32 = 0o170_000;
const S_IFREG: u32 = 0o100_000;
const S_IFDIR: u32 = 0o040_000;

/// One entry to extract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub index: usize,
    /// The checked relative path, without a trailing `/`.
    pub name: String,
    /// The declared uncompressed size (the extractor checks the real one).
    pub size: u64,
    pub is_dir: bool,
}

/// What [`check`] found: the entries to extract and their declared total.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub entries: Vec<Planned>,
    pub declared: u64,
    pub limit: u64,
}

/// Checks every entry of `archive`; `.bgassets/` (the pack's own manifest) is not extracted.
pub fn check(archive: &Path, limit: u64) -> Result<Plan, InstallError> {
    let bad_archive = |problem: String| InstallError::Archive {
        archive: archive.to_path_buf(),
        problem,
    };
    let file = File::open(archive).map_err(InstallError::io("cannot open", archive))?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file))
        .map_err(|e| bad_archive(format!("not a valid zip archive: {e}")))?;
    if zip.len() > MAX_ENTRIES {
        return Err(bad_archive(format!(
            "{} entries, more than the {MAX_ENTRIES} allowed",
            zip.len()
        )));
    }
    let mut plan = Plan {
        limit,
        ..Plan::default()
    };
    let mut seen = HashSet::new();
    let mut files = HashSet::new();
    let mut dirs = HashSet::new();
    for index in 0..zip.len() {
        let entry = zip
            .by_index_raw(index)
            .map_err(|e| bad_archive(format!("entry {index}: {e}")))?;
        let raw = entry
            .name()
            .map_err(|e| bad_archive(format!("entry {index} has no readable name: {e}")))?
            .to_string();
        let refuse = |problem: &str| InstallError::Entry {
            archive: archive.to_path_buf(),
            entry: raw.escape_debug().to_string(),
            problem: problem.to_string(),
        };
        let name = rel_path::check(&raw).map_err(|p| refuse(&p))?.to_string();
        if name == ".bgassets" || name.starts_with(".bgassets/") {
            continue;
        }
        let mode = entry.unix_mode().unwrap_or(0) & S_IFMT;
        let is_dir = entry.is_dir() || mode == S_IFDIR;
        if entry.is_symlink() || (mode != 0 && mode != S_IFREG && mode != S_IFDIR) {
            return Err(refuse(
                "is a symlink or special file; packs hold only files and folders",
            ));
        }
        if entry.encrypted() {
            return Err(refuse("is encrypted"));
        }
        if !matches!(
            entry.compression(),
            CompressionMethod::Stored | CompressionMethod::Deflated
        ) {
            return Err(refuse(&format!(
                "uses {:?} compression; only stored and deflated entries are supported",
                entry.compression()
            )));
        }
        if !seen.insert(name.to_lowercase()) && !is_dir {
            return Err(refuse("appears twice (names are compared ignoring case)"));
        }
        if is_dir {
            dirs.insert(name.to_lowercase());
        } else {
            files.insert(name.to_lowercase());
            plan.declared = plan.declared.saturating_add(entry.size());
            if plan.declared > limit {
                return Err(InstallError::TooLarge {
                    archive: archive.to_path_buf(),
                    limit,
                });
            }
        }
        plan.entries.push(Planned {
            index,
            name,
            size: entry.size(),
            is_dir,
        });
    }
    check_file_folder_clashes(archive, &files, &dirs, &plan)?;
    Ok(plan)
}

/// A file may not also be a folder, nor sit where another entry needs a folder.
fn check_file_folder_clashes(
    archive: &Path,
    files: &HashSet<String>,
    dirs: &HashSet<String>,
    plan: &Plan,
) -> Result<(), InstallError> {
    for entry in &plan.entries {
        let lower = entry.name.to_lowercase();
        let clash = (!entry.is_dir && dirs.contains(&lower))
            || lower
                .match_indices('/')
                .any(|(at, _)| files.contains(&lower[..at]));
        if clash {
            return Err(InstallError::Entry {
                archive: archive.to_path_buf(),
                entry: entry.name.clone(),
                problem: "clashes with a file and a folder of the same name".into(),
            });
        }
    }
    Ok(())
}
