//! Helpers for the installer tests: packs built by the real packager, hand-made zips (hostile
//! ones included) written with the `zip` crate and then patched byte by byte where the writer
//! refuses to lie, or written byte by byte ([`raw`]); the hostile corpus ([`corpus`]); and a
//! recursive listing of a folder to prove an install wrote nothing.

use std::collections::BTreeMap;
use std::fs;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

pub mod corpus;
pub mod corpus_crafted;
pub mod raw;

use super::write;

/// Builds pack `id` at `version` from `files` (relative path, contents) with
/// `bgassets::pack::build::build`; returns the archive's path, `dir/<id>@<version>.zip`.
pub fn build_pack(dir: &Path, id: &str, version: u64, files: &[(&str, &[u8])]) -> PathBuf {
    let work = dir.join(format!("src-{id}-{version}"));
    let root = work.join("root");
    for (name, bytes) in files {
        write(&root.join(name), bytes);
    }
    let selectors: Vec<String> = files
        .iter()
        .map(|(name, _)| format!(r#"{{ "file": "{name}" }}"#))
        .collect();
    let manifest = work.join("pack.json");
    write(
        &manifest,
        format!(
            r#"{{ "assetPackID": "{id}", "downloadPolicy": {{ "onDemand": {{}} }},
                 "fileSelectors": [{}] }}"#,
            selectors.join(", ")
        )
        .as_bytes(),
    );
    let output = dir.join(format!("{id}@{version}.zip"));
    bgassets::pack::build::build(&manifest, &root, &output, Some(version)).unwrap();
    output
}

/// One entry of a hand-made archive.
#[derive(Clone, Copy)]
pub enum Raw<'a> {
    Stored(&'a str, &'a [u8]),
    Deflated(&'a str, &'a [u8]),
    Dir(&'a str),
    Symlink(&'a str, &'a str),
}

/// A zip holding `entries` exactly as named (the writer does not check names).
pub fn raw_zip(entries: &[Raw]) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for entry in entries {
        match entry {
            Raw::Stored(name, bytes) => {
                zip.start_file(*name, stored).unwrap();
                zip.write_all(bytes).unwrap();
            }
            Raw::Deflated(name, bytes) => {
                zip.start_file(*name, deflated).unwrap();
                zip.write_all(bytes).unwrap();
            }
            Raw::Dir(name) => zip.add_directory(*name, stored).unwrap(),
            Raw::Symlink(name, target) => zip.add_symlink(*name, *target, stored).unwrap(),
        }
    }
    zip.finish().unwrap().into_inner()
}

const LOCAL: &[u8; 4] = b"PK\x03\x04";
const CENTRAL: &[u8; 4] = b"PK\x01\x02";

/// Where the headers of `name` start: its local header and its central directory record.
fn headers(zip: &[u8], name: &str) -> (usize, usize) {
    let u16_at = |at: usize| usize::from(u16::from_le_bytes([zip[at], zip[at + 1]]));
    let find = |signature: &[u8; 4], name_len_at: usize, name_at: usize| {
        (0..zip.len().saturating_sub(name_at))
            .find(|&at| {
                &zip[at..at + 4] == signature
                    && u16_at(at + name_len_at) == name.len()
                    && zip.get(at + name_at..at + name_at + name.len()) == Some(name.as_bytes())
            })
            .unwrap_or_else(|| panic!("no header for `{name}`"))
    };
    (find(LOCAL, 26, 30), find(CENTRAL, 28, 46))
}

/// Sets the compression method of `name` (both headers).
pub fn set_method(zip: &mut [u8], name: &str, method: u16) {
    let (local, central) = headers(zip, name);
    zip[local + 8..local + 10].copy_from_slice(&method.to_le_bytes());
    zip[central + 10..central + 12].copy_from_slice(&method.to_le_bytes());
}

/// Sets the declared uncompressed size of `name` (both headers).
pub fn set_uncompressed_size(zip: &mut [u8], name: &str, size: u32) {
    let (local, central) = headers(zip, name);
    zip[local + 22..local + 26].copy_from_slice(&size.to_le_bytes());
    zip[central + 24..central + 28].copy_from_slice(&size.to_le_bytes());
}

/// Renames `name` to `new` of the same length (both headers): how an archive with two entries
/// of one name is made, since the writer refuses to write one.
pub fn rename(zip: &mut [u8], name: &str, new: &str) {
    assert_eq!(name.len(), new.len());
    let (local, central) = headers(zip, name);
    zip[local + 30..local + 30 + new.len()].copy_from_slice(new.as_bytes());
    zip[central + 46..central + 46 + new.len()].copy_from_slice(new.as_bytes());
}

/// Flips the first byte of the data of `name`, a stored entry.
pub fn corrupt_data(zip: &mut [u8], name: &str) {
    let (local, _) = headers(zip, name);
    let u16_at = |at: usize| usize::from(u16::from_le_bytes([zip[at], zip[at + 1]]));
    let data = local + 30 + u16_at(local + 26) + u16_at(local + 28);
    zip[data] ^= 0xff;
}

/// What a folder holds, recursively: relative path → `dir`, `link -> TARGET` or the file's bytes
/// (as a lossy string). `.staging` at the top is left out.
pub fn listing(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.map(Result::unwrap) {
            let path = entry.path();
            let relative = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if relative == ".staging" {
                continue;
            }
            let kind = entry.file_type().unwrap();
            if kind.is_symlink() {
                let target = fs::read_link(&path).unwrap();
                out.insert(relative, format!("link -> {}", target.display()));
            } else if kind.is_dir() {
                out.insert(relative, "dir".into());
                walk(root, &path, out);
            } else {
                let bytes = fs::read(&path).unwrap();
                out.insert(relative, String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Asserts `<container>/.staging` is absent or empty.
pub fn assert_no_staging(container: &Path) {
    let staging = container.join(".staging");
    if let Ok(entries) = fs::read_dir(&staging) {
        let left: Vec<_> = entries.map(|e| e.unwrap().file_name()).collect();
        assert!(left.is_empty(), "staging leftovers: {left:?}");
    }
}
