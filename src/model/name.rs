//! Names from outside that become one path component: an app's bundle id (`CFBundleIdentifier`)
//! and App Group id (`BAAppGroupID`), which name its container, its download folder and its cached
//! manifest. A [`FolderName`] can only be built by validation, when the Info.plist is parsed or
//! the state file is loaded, so only a checked name is ever joined onto a folder. Pack ids have
//! their own type with the same guarantees ([`super::PackId`]).
//!
//! The rules (`docs/manifest.md` repeats them): 1 to 155 characters; ASCII letters, digits, `.`,
//! `-` and `_` only (Apple allows letters, digits, `-` and `.` in bundle ids), so no separator,
//! no control character, no drive prefix and nothing a file system may rewrite; not `.` or `..`,
//! not starting or ending with `.`, no `..` inside; not a name Windows reserves for a device.

use std::fmt;

/// The longest name accepted: Apple's documented limit for bundle ids.
pub const MAX_LEN: usize = 155;

/// A validated name that is safe as one path component.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct FolderName(String);

impl FolderName {
    /// Validates `name`; the error says which rule it breaks, quoting the name safely.
    pub fn parse(name: &str) -> Result<Self, String> {
        let shown = name.escape_debug().to_string();
        if name.is_empty() {
            return Err("is empty".into());
        }
        if name.chars().count() > MAX_LEN {
            return Err(format!(
                "is {} characters long; at most {MAX_LEN} are allowed",
                name.chars().count()
            ));
        }
        if let Some(bad) = name
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
        {
            let what = match bad {
                '/' | '\\' => "a path separator",
                ':' => "a drive or stream separator",
                c if c.is_control() => "a control character",
                _ => "a character that is not allowed",
            };
            return Err(format!(
                "`{shown}` contains {bad:?}, {what}; only ASCII letters, digits, `.`, `-` and `_` are allowed"
            ));
        }
        if name == "." || name == ".." || name.contains("..") {
            return Err(format!(
                "`{shown}` is or contains `..`, which would name another folder"
            ));
        }
        if name.starts_with('.') || name.ends_with('.') {
            return Err(format!(
                "`{shown}` starts or ends with `.`; hidden names and trailing dots are not allowed"
            ));
        }
        let stem = name.split('.').next().unwrap_or(name);
        if is_windows_device_name(stem) {
            return Err(format!(
                "`{shown}` starts with `{stem}`, a name Windows reserves for a device"
            ));
        }
        Ok(Self(name.to_string()))
    }

    /// The name as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `CON`, `PRN`, `AUX`, `NUL`, `COM1`…`COM9`, `LPT1`…`LPT9`, in any case.
pub(crate) fn is_windows_device_name(stem: &str) -> bool {
    let upper = stem.to_ascii_uppercase();
    matches!(upper.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((upper.starts_with("COM") || upper.starts_with("LPT"))
            && upper.len() == 4
            && upper.as_bytes()[3].is_ascii_digit())
}

impl fmt::Display for FolderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::ops::Deref for FolderName {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for FolderName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for FolderName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for FolderName {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for FolderName {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl<'de> serde::Deserialize<'de> for FolderName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        FolderName::parse(&text).map_err(|e| serde::de::Error::custom(format!("a name that {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::FolderName;

    #[test]
    fn bundle_and_group_ids_seen_in_the_wild_are_accepted() {
        for name in [
            "com.example.game",
            "group.com.example.shared",
            "org.bgassets.demo",
            "com.example.My-App_2",
            "a",
        ] {
            assert!(FolderName::parse(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn names_that_could_leave_the_containers_folder_are_refused() {
        let cases = [
            ("", "is empty"),
            (".", "`..`"),
            ("..", "`..`"),
            ("../../x", "path separator"),
            ("/etc", "path separator"),
            ("com.example/app", "path separator"),
            ("a\\b", "path separator"),
            ("C:", "drive"),
            ("a\u{0}b", "control character"),
            ("a\nb", "control character"),
            ("com..example", "`..`"),
            (".hidden", "starts or ends with `.`"),
            ("trailing.", "starts or ends with `.`"),
            ("nul.app", "reserves for a device"),
            ("COM1", "reserves for a device"),
            ("écran", "not allowed"),
            ("a b", "not allowed"),
        ];
        for (name, expected) in cases {
            let error = FolderName::parse(name).unwrap_err();
            assert!(error.contains(expected), "{name:?}: {error}");
        }
        let long = "a".repeat(156);
        assert!(
            FolderName::parse(&long)
                .unwrap_err()
                .contains("at most 155")
        );
        assert!(FolderName::parse(&"a".repeat(155)).is_ok());
    }

    #[test]
    fn a_state_file_cannot_smuggle_a_bad_name_in() {
        let error = serde_json::from_str::<FolderName>("\"../x\"").unwrap_err();
        assert!(error.to_string().contains("path separator"), "{error}");
    }
}
