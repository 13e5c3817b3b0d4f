//! The names of archive entries: which may be created, and when two name the same file.
//!
//! A name is the entry's header bytes, which must be UTF-8 whatever the entry's UTF-8 flag
//! says (never guessed at as CP437), and must be the only name the entry has (no Info-ZIP
//! Unicode Path extra field naming it otherwise). It must be a relative path that
//! [`rel_path::check`] accepts, with no control character, no component longer than
//! [`MAX_COMPONENT`] bytes and no path longer than [`MAX_PATH`], and on Windows none of the
//! characters Windows reserves.
//!
//! Two names are the same file when they are equal after canonical decomposition, case folding
//! and composition (NFC): `é` composed and decomposed, `A.txt` and `a.txt`, `ß` and `ss`, `ſ`
//! and `s`. macOS and Windows would merge them, so a pack may hold only one; nothing may be both
//! a file and a folder either.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use unicode_normalization::UnicodeNormalization;

use super::central::{FLAG_UTF8, Record};
use super::entries::{MAX_COMPONENT, MAX_PATH};
use crate::model::rel_path;

/// The entry's name as UTF-8, or why it is refused. `decoded` is the name the zip reader uses.
pub fn decode<'a>(record: &'a Record, decoded: &[u8]) -> Result<&'a str, String> {
    let name = std::str::from_utf8(&record.name).map_err(|_| {
        if record.flags & FLAG_UTF8 != 0 {
            "is flagged UTF-8 but its name is not UTF-8 (the archive is damaged or forged)".into()
        } else {
            "has a name that is not UTF-8; a pack's names must be UTF-8".to_string()
        }
    })?;
    if decoded != record.name.as_slice() {
        return Err(format!(
            "carries a second name, `{}`, in a Unicode Path extra field; a pack's entries have \
             one name each",
            printable(&String::from_utf8_lossy(decoded))
        ));
    }
    Ok(name)
}

/// `name` with its control characters escaped (`\0`, `\n`…), to be shown.
pub fn printable(name: &str) -> String {
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

/// `name` with every character outside ASCII written as its code point (`e\u{301}`), so two
/// names that look the same can be told apart.
fn spelled(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii() && !c.is_control() {
                c.to_string()
            } else {
                c.escape_unicode().to_string()
            }
        })
        .collect()
}

/// The relative path of an entry, or why it is refused.
pub fn check_name(raw: &str) -> Result<&str, String> {
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

/// What two names are compared by: NFC of the case-folded canonical decomposition. Case folding
/// is approximated by upper-casing then lower-casing each character, which maps `ß` to `ss`,
/// `ſ` to `s`, the Kelvin sign to `k` and final `ς` to `σ` as full case folding does (and `ı`
/// to `i`, as Windows' upper-case table does).
pub fn key(name: &str) -> String {
    if name.is_ascii() {
        // Normalisation leaves ASCII as it is, and folding it is lower-casing it.
        return name.to_ascii_lowercase();
    }
    name.nfd()
        .flat_map(char::to_uppercase)
        .flat_map(char::to_lowercase)
        .nfc()
        .collect()
}

/// Every name an extraction creates (files, folders, and the folders files sit in), by
/// [`key`]: two names may not differ only by case or normalisation, and nothing may be both a
/// file and a folder.
#[derive(Debug, Default)]
pub struct Names(HashMap<String, (String, bool)>);

impl Names {
    /// Claims `name`, a file or a folder, and the folders it sits in.
    pub fn claim(&mut self, name: &str, is_dir: bool) -> Result<(), String> {
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
        match self.0.entry(key(name)) {
            Entry::Vacant(slot) => {
                slot.insert((name.to_string(), is_dir));
                Ok(false)
            }
            Entry::Occupied(slot) => {
                let (known, known_is_dir) = slot.get();
                if known != name {
                    let spelled = if known.is_ascii() && name.is_ascii() {
                        String::new()
                    } else {
                        format!(" (`{}` and `{}`)", spelled(name), spelled(known))
                    };
                    Err(format!(
                        "and `{}` differ only by case or Unicode normalisation{spelled}; a pack \
                         must install the same everywhere",
                        printable(known)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_equal_after_normalisation_and_case_folding_share_a_key() {
        let same = [
            ("caf\u{e9}.txt", "cafe\u{301}.txt"),
            ("A.txt", "a.txt"),
            ("CAF\u{c9}", "cafe\u{301}"),
            ("stra\u{df}e", "STRASSE"),
            ("\u{17f}un", "sun"),
            ("\u{3c3}\u{3c2}", "\u{3a3}\u{3a3}"),
            ("\u{212a}elvin", "kelvin"),
            ("\u{212b}ngstr\u{f6}m", "\u{e5}ngstro\u{308}m"),
        ];
        for (a, b) in same {
            assert_eq!(key(a), key(b), "{a:?} {b:?}");
        }
        for (a, b) in [("a.txt", "b.txt"), ("e", "\u{e9}"), ("n", "\u{f1}")] {
            assert_ne!(key(a), key(b), "{a:?} {b:?}");
        }
    }

    #[test]
    fn claims_refuse_equivalent_names_and_files_as_folders() {
        let mut names = Names::default();
        names.claim("Caf\u{e9}/menu.txt", false).unwrap();
        names.claim("Caf\u{e9}/other.txt", false).unwrap();
        let error = names.claim("cafe\u{301}/x.txt", false).unwrap_err();
        assert_eq!(
            error,
            "and `Caf\u{e9}` differ only by case or Unicode normalisation (`cafe\\u{301}` and \
             `Caf\\u{e9}`); a pack must install the same everywhere"
        );
        assert!(names.claim("Caf\u{e9}/menu.txt/x", false).is_err());
        assert_eq!(
            names.claim("Caf\u{e9}/menu.txt", false).unwrap_err(),
            "appears twice in the archive"
        );
        names.claim("Caf\u{e9}", true).unwrap();
    }

    #[test]
    fn names_are_raw_utf8_with_no_second_name() {
        let record = |name: &[u8], flags| Record {
            name: name.to_vec(),
            flags,
        };
        let latin1 = record(b"caf\xe9.txt", 0);
        assert!(
            decode(&latin1, &latin1.name)
                .unwrap_err()
                .contains("not UTF-8")
        );
        let flagged = record(b"caf\xe9.txt", FLAG_UTF8);
        assert!(
            decode(&flagged, &flagged.name)
                .unwrap_err()
                .contains("is flagged UTF-8")
        );
        let plain = record("café.txt".as_bytes(), 0);
        assert_eq!(decode(&plain, &plain.name), Ok("café.txt"));
        let renamed = decode(&plain, b"../evil").unwrap_err();
        assert!(renamed.contains("`../evil`"), "{renamed}");
    }
}
