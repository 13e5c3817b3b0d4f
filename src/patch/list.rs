//! A pack's per-file list (`NAME.files.json`, written by `pack index` beside the archive): every
//! file the archive installs, with its size and SHA-256. A delta update verifies each file it
//! installs, reused or fetched, against this list.
//!
//! The list comes from a server: it is parsed into [`FileList`] once, here, and refused with
//! the URL and the field named when anything is off: a format other than 1, more files than an
//! archive may hold, a path an archive entry could not have (`..`, absolute, control
//! characters, `.bgassets/`), two paths naming one file (also ignoring case and Unicode
//! normalisation, or a file where another path needs a folder), or sizes whose sum overflows
//! or passes the pack's install size.

use serde::{Deserialize, Serialize};

use crate::install::entries::{MANIFEST_FOLDER, MAX_ENTRIES};
use crate::install::names::{Names, check_name, printable};
use crate::model::{InputError, Sha256Digest};

/// The list format this bgassets writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// One file of the pack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListedFile {
    /// Its path in the pack, as the archive names it (`Levels/1/map.bin`).
    pub path: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its SHA-256.
    pub sha256: Sha256Digest,
}

/// A validated per-file list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileList {
    /// The format's version (1).
    pub format_version: u32,
    /// Every file the archive installs, in the archive's order.
    pub files: Vec<ListedFile>,
}

impl FileList {
    /// A list of the current format.
    pub fn new(files: Vec<ListedFile>) -> Self {
        Self {
            format_version: FORMAT_VERSION,
            files,
        }
    }

    /// Parses and validates the list fetched from `url`; its files may take at most
    /// `install_size` bytes (the pack's listed install size).
    pub fn parse(url: &str, bytes: &[u8], install_size: u64) -> Result<Self, InputError> {
        let text = std::str::from_utf8(bytes)
            .map_err(|e| InputError::syntax(url, format!("the file list is not UTF-8: {e}")))?;
        let list: Self = crate::model::input_error::from_json(url, text, &["", "files[]"])?;
        list.validate(url, install_size)?;
        Ok(list)
    }

    /// Checks what types alone cannot (see the module's documentation).
    pub fn validate(&self, url: &str, install_size: u64) -> Result<(), InputError> {
        if self.format_version != FORMAT_VERSION {
            return Err(InputError::field(
                url,
                "formatVersion",
                format!(
                    "is {}, but this bgassets reads format {FORMAT_VERSION}",
                    self.format_version
                ),
            ));
        }
        if self.files.len() > MAX_ENTRIES {
            return Err(InputError::field(
                url,
                "files",
                format!(
                    "lists {} files, more than the {MAX_ENTRIES} an archive may hold",
                    self.files.len()
                ),
            ));
        }
        let mut names = Names::default();
        let mut total = 0u64;
        for (i, file) in self.files.iter().enumerate() {
            let field = |name: &str, problem: String| {
                InputError::field(url, format!("files[{i}].{name}"), problem)
            };
            let shown = printable(&file.path);
            let path = check_name(&file.path)
                .map_err(|problem| field("path", format!("`{shown}` {problem}")))?;
            if path != file.path {
                return Err(field("path", format!("`{shown}` ends with `/`")));
            }
            if path.split('/').next() == Some(MANIFEST_FOLDER) {
                return Err(field(
                    "path",
                    format!("`{shown}` is in `{MANIFEST_FOLDER}/`, which is never installed"),
                ));
            }
            names
                .claim(path, false)
                .map_err(|problem| field("path", format!("`{shown}` {problem}")))?;
            total = total.checked_add(file.size).ok_or_else(|| {
                field(
                    "size",
                    "makes the files' total size overflow 2^64 bytes".into(),
                )
            })?;
            if total > install_size {
                return Err(field(
                    "size",
                    format!(
                        "brings the files to {total} bytes, more than the pack's install size \
                         ({install_size} bytes)"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The list as pretty JSON, ending in a newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "http://127.0.0.1/a.files.json";

    fn list(files: &[(&str, u64)]) -> String {
        let files: Vec<ListedFile> = files
            .iter()
            .map(|(path, size)| ListedFile {
                path: path.to_string(),
                size: *size,
                sha256: Sha256Digest([7; 32]),
            })
            .collect();
        FileList::new(files).to_json()
    }

    fn refusal(text: &str) -> String {
        FileList::parse(URL, text.as_bytes(), 1 << 40)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn a_list_reads_back_as_written() {
        let text = list(&[("a.bin", 3), ("Levels/1/map.bin", 4)]);
        let parsed = FileList::parse(URL, text.as_bytes(), 7).unwrap();
        assert_eq!(parsed.files.len(), 2);
        assert_eq!(parsed.files[1].path, "Levels/1/map.bin");
        assert_eq!(parsed.to_json(), text);
    }

    #[test]
    fn hostile_lists_are_refused_naming_the_url_and_field() {
        let cases = [
            (list(&[("../evil", 1)]), "files[0].path"),
            (list(&[("/etc/passwd", 1)]), "files[0].path"),
            (list(&[("a/", 1)]), "files[0].path"),
            (list(&[("a", 1), ("A", 1)]), "files[1].path"),
            (list(&[("a", 1), ("a", 1)]), "files[1].path"),
            (list(&[("a", 1), ("a/b", 1)]), "files[1].path"),
            (list(&[(".bgassets/pack.json", 1)]), "files[0].path"),
            (list(&[("a", 1 << 41)]), "files[0].size"),
        ];
        for (text, field) in cases {
            let error = refusal(&text);
            assert!(error.starts_with(URL), "{error}");
            assert!(error.contains(field), "{field}: {error}");
        }
        let overflow = list(&[("a", u64::MAX), ("b", 1)]);
        let error = FileList::parse(URL, overflow.as_bytes(), u64::MAX).unwrap_err();
        assert!(error.to_string().contains("files[1].size"), "{error}");
        assert!(error.to_string().contains("overflow"), "{error}");
        let many: Vec<(String, u64)> = (0..=MAX_ENTRIES).map(|i| (format!("f{i}"), 0)).collect();
        let many: Vec<(&str, u64)> = many.iter().map(|(p, s)| (p.as_str(), *s)).collect();
        assert!(refusal(&list(&many)).contains("more than the 100000"));
        assert!(refusal("{\"formatVersion\": 2, \"files\": []}").contains("formatVersion"));
        assert!(refusal("[1, 2]").contains("expected a JSON object"));
        assert!(
            FileList::parse(URL, b"\xff", 1)
                .unwrap_err()
                .to_string()
                .contains("not UTF-8")
        );
    }
}
