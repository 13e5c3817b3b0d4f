//! Asset pack ids: what they may contain, and the folder name each one maps to.
//!
//! An id is 1 to 128 characters of ASCII letters, digits, `.`, `_`, `-` and `/`. A `/` separates
//! segments (ids such as `onnx/x.onnx` exist in the wild); no segment may be empty, `.` or `..`,
//! start or end with a `.`, or be a name Windows reserves for devices (`CON`, `NUL`, `COM1`…).
//! Two ids in one manifest may not differ only by case: containers may live on
//! case-insensitive file systems.
//!
//! [`PackId::folder_name`] turns an id into one path component: `/` becomes `%2F` and nothing
//! else changes, so the mapping is reversible and never escapes the app's container.

use std::fmt;

use super::name::is_windows_device_name;

/// The longest id accepted.
pub const MAX_LEN: usize = 128;

/// A validated asset pack id (`assetPackID`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct PackId(String);

impl PackId {
    /// Validates `id`; the error says which rule it breaks.
    pub fn parse(id: &str) -> Result<Self, String> {
        if id.is_empty() {
            return Err("a pack id may not be empty".into());
        }
        if id.len() > MAX_LEN {
            return Err(format!(
                "`{id}` is {} characters long; a pack id has at most {MAX_LEN}",
                id.len()
            ));
        }
        if let Some(bad) = id
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/')))
        {
            return Err(format!(
                "`{id}` contains {bad:?}; a pack id may contain only ASCII letters, digits, `.`, `_`, `-` and `/`"
            ));
        }
        for segment in id.split('/') {
            check_segment(id, segment)?;
        }
        Ok(Self(id.to_string()))
    }

    /// The id as written in the manifest.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// One safe path component for this pack's folder: `/` is written `%2F`.
    pub fn folder_name(&self) -> String {
        self.0.replace('/', "%2F")
    }

    /// The id in lower case, to detect ids that differ only by case.
    pub fn case_folded(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

fn check_segment(id: &str, segment: &str) -> Result<(), String> {
    if segment.is_empty() {
        return Err(format!(
            "`{id}` has an empty segment; `/` may only separate non-empty names"
        ));
    }
    if segment.starts_with('.') {
        return Err(format!(
            "`{id}` has a segment starting with `.`; `.`, `..` and hidden names are not allowed"
        ));
    }
    if segment.ends_with('.') {
        return Err(format!(
            "`{id}` has a segment ending with `.`, which Windows drops from folder names"
        ));
    }
    let stem = segment.split('.').next().unwrap_or(segment);
    if is_windows_device_name(stem) {
        return Err(format!(
            "`{id}` uses `{segment}`, a name Windows reserves for a device"
        ));
    }
    Ok(())
}

impl fmt::Display for PackId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for PackId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        PackId::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::PackId;

    #[test]
    fn ids_seen_in_the_wild_are_accepted() {
        for id in ["Tutorial", "my_pack", "onnx/x.onnx", "Level-2.hd"] {
            assert!(PackId::parse(id).is_ok(), "{id}");
        }
    }

    #[test]
    fn folder_names_are_one_component() {
        let id = PackId::parse("onnx/x.onnx").unwrap();
        assert_eq!(id.folder_name(), "onnx%2Fx.onnx");
        assert!(!id.folder_name().contains('/'));
    }

    #[test]
    fn ids_that_could_escape_or_collide_are_refused() {
        let cases = [
            ("", "empty"),
            ("../etc", "starting with `.`"),
            ("a//b", "empty segment"),
            ("/abs", "empty segment"),
            ("a\\b", "contains '\\\\'"),
            ("C:", "contains ':'"),
            ("nul.txt", "reserves for a device"),
            ("Ünï", "contains 'Ü'"),
            ("a/./b", "starting with `.`"),
        ];
        for (id, expected) in cases {
            let err = PackId::parse(id).unwrap_err();
            assert!(err.contains(expected), "{id}: {err}");
        }
        assert!(
            PackId::parse(&"x".repeat(129))
                .unwrap_err()
                .contains("at most 128")
        );
    }
}
