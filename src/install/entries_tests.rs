//! Tests of checking an archive's entries before a byte is written: the plan, special files,
//! encryption and odd names refused, names that clash, too many entries.

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
