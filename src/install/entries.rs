//! Checking every entry of an archive's central directory before a byte is written: the plan of
//! what to extract, or a refusal naming the entry and the rule it breaks.
//!
//! An entry must have a relative path that [`rel_path::check`] accepts, with no control
//! character, no name longer than 255 bytes (1024 for the whole path), and on Windows none of
//! the characters Windows reserves; be a regular file or a folder (no symlink or other special
//! file); be stored or deflated, unencrypted; and appear once, also ignoring case, and not as
//! both a file and a folder. The archive holds at most [`MAX_ENTRIES`] entries, and the sizes
//! its files declare add up to no more than the limit. The pack's own manifest (`.bgassets/`)
//! is not extracted.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use zip::CompressionMethod;

use super::InstallError;
use super::reader::Archive;
use crate::model::rel_path;

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
    pub is_dir: bool,
}

/// What [`check`] found: the entries to extract, the declared total and the limit.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub entries: Vec<Planned>,
    pub declared: u64,
    pub limit: u64,
}

/// Checks every entry of `zip` (opened from `archive`) against the rules above.
pub fn check(archive: &Path, zip: &Archive, limit: u64) -> Result<Plan, InstallError> {
    let bad_archive = |problem: String| InstallError::Archive {
        archive: archive.to_path_buf(),
        problem,
    };
    if zip.len() > MAX_ENTRIES {
        return Err(bad_archive(format!(
            "it has {} entries, more than the {MAX_ENTRIES} a pack may have",
            zip.len()
        )));
    }
    if zip.has_duplicate_names() {
        return Err(match duplicate_name(zip) {
            Some(entry) => InstallError::Entry {
                archive: archive.to_path_buf(),
                entry,
                problem: "appears twice in the archive".into(),
            },
            None => bad_archive("two of its entries have the same name".into()),
        });
    }
    let mut plan = Plan {
        limit,
        ..Plan::default()
    };
    let mut names = Names::default();
    for index in 0..zip.len() {
        let entry = zip
            .by_index_data(index)
            .map_err(|e| bad_archive(format!("entry {index} cannot be read: {e}")))?;
        let raw = match entry.name() {
            Ok(name) => name.into_owned(),
            Err(e) => {
                return Err(InstallError::Entry {
                    archive: archive.to_path_buf(),
                    entry: String::from_utf8_lossy(entry.name_raw()).into_owned(),
                    problem: format!("has a name that cannot be decoded ({e})"),
                });
            }
        };
        let refuse = |problem: String| InstallError::Entry {
            archive: archive.to_path_buf(),
            entry: printable(&raw),
            problem,
        };
        let name = check_name(&raw).map_err(refuse)?;
        if name == MANIFEST_FOLDER || name.starts_with(".bgassets/") {
            continue;
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
        let size = if is_dir { 0 } else { entry.size() };
        plan.declared = plan.declared.saturating_add(size);
        if plan.declared > limit {
            return Err(InstallError::TooLarge {
                archive: archive.to_path_buf(),
                entry: Some(name.to_string()),
                needed: plan.declared,
                limit,
            });
        }
        plan.entries.push(Planned {
            index,
            name: name.to_string(),
            size,
            is_dir,
        });
    }
    Ok(plan)
}

/// `name` with its control characters escaped (`\0`, `\n`…), to be shown.
fn printable(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_debug().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The relative path of an entry, or why it is refused.
fn check_name(raw: &str) -> Result<&str, String> {
    let name = rel_path::check(raw).map_err(|e| format!("is not a safe relative path ({e})"))?;
    if name.chars().any(char::is_control) {
        return Err("contains a control character".into());
    }
    if name.len() > MAX_PATH {
        return Err(format!("is longer than {MAX_PATH} bytes"));
    }
    if name.split('/').any(|c| c.len() > MAX_COMPONENT) {
        return Err(format!("has a name longer than {MAX_COMPONENT} bytes"));
    }
    #[cfg(windows)]
    if name.contains(['<', '>', ':', '"', '|', '?', '*'])
        || name.split('/').any(|c| c.ends_with(['.', ' ']))
    {
        return Err("has a name Windows cannot hold".into());
    }
    Ok(name)
}

/// Every name an extraction creates (files, folders, and the folders files sit in), keyed by
/// lower case: two names may not differ only by case (macOS and Windows would merge them), and
/// nothing may be both a file and a folder.
#[derive(Debug, Default)]
struct Names(HashMap<String, (String, bool)>);

impl Names {
    fn claim(&mut self, name: &str, is_dir: bool) -> Result<(), String> {
        // Parents first, deepest to shallowest, stopping at one already known.
        for (at, _) in name.rmatch_indices('/') {
            if self.insert(&name[..at], true)? {
                break;
            }
        }
        if self.insert(name, is_dir)? && !is_dir {
            return Err("appears twice in the archive".into());
        }
        Ok(())
    }

    /// Records `name`; true when it was already there as the same folder (or file).
    fn insert(&mut self, name: &str, is_dir: bool) -> Result<bool, String> {
        match self.0.entry(name.to_lowercase()) {
            Entry::Vacant(slot) => {
                slot.insert((name.to_string(), is_dir));
                Ok(false)
            }
            Entry::Occupied(slot) => {
                let (known, known_is_dir) = slot.get();
                if known != name {
                    Err(format!(
                        "and `{known}` differ only by case; a pack must install the same \
                         everywhere"
                    ))
                } else if *known_is_dir != is_dir && is_dir {
                    Err(format!(
                        "needs a folder `{name}` where the archive has a file"
                    ))
                } else if *known_is_dir != is_dir {
                    Err("is a file where the archive has a folder of the same name".into())
                } else {
                    Ok(true)
                }
            }
        }
    }
}

/// The first name the central directory lists twice (the zip reader keeps only one of them).
fn duplicate_name(zip: &Archive) -> Option<String> {
    let mut reader = zip.clone().into_inner();
    reader
        .seek(SeekFrom::Start(zip.central_directory_start()))
        .ok()?;
    let mut seen = std::collections::HashSet::new();
    for _ in 0..=MAX_ENTRIES {
        let mut header = [0u8; 46];
        reader.read_exact(&mut header).ok()?;
        if header[..4] != [0x50, 0x4b, 0x01, 0x02] {
            return None;
        }
        let field = |at: usize| u64::from(u16::from_le_bytes([header[at], header[at + 1]]));
        let (name_len, extra_len, comment_len) = (field(28), field(30), field(32));
        let mut name = vec![0u8; name_len as usize];
        reader.read_exact(&mut name).ok()?;
        reader
            .seek(SeekFrom::Current((extra_len + comment_len) as i64))
            .ok()?;
        if !seen.insert(name.clone()) {
            return Some(String::from_utf8_lossy(&name).into_owned());
        }
    }
    None
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
