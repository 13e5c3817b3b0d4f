//! Relative paths inside a pack (file selectors, archive entries, `contents(at:)` lookups): the one
//! place that decides whether a path stays inside its root.
//!
//! A valid path uses `/` as separator, is not empty, is not absolute, has no drive letter, no
//! backslash, no NUL, and no empty, `.` or `..` component. A trailing `/` is dropped.

/// Checks `path` and returns it without a trailing `/`; the error says which rule it breaks.
pub fn check(path: &str) -> Result<&str, String> {
    let trimmed = path.strip_suffix('/').unwrap_or(path);
    if trimmed.is_empty() {
        return Err("the path is empty".into());
    }
    if trimmed.contains('\0') {
        return Err(format!("`{}` contains a NUL byte", trimmed.escape_debug()));
    }
    if trimmed.contains('\\') {
        return Err(format!(
            "`{trimmed}` contains `\\`; use `/` between folders"
        ));
    }
    if trimmed.starts_with('/') {
        return Err(format!(
            "`{trimmed}` is absolute; paths are relative to the pack root"
        ));
    }
    let bytes = trimmed.as_bytes();
    if bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic() {
        return Err(format!("`{trimmed}` starts with a drive letter"));
    }
    for component in trimmed.split('/') {
        match component {
            "" => return Err(format!("`{trimmed}` has an empty component (`//`)")),
            "." | ".." => {
                return Err(format!(
                    "`{trimmed}` contains `{component}`; paths may not leave or name their folder"
                ));
            }
            _ => {}
        }
    }
    Ok(trimmed)
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn ordinary_paths_pass() {
        assert_eq!(check("Levels/1/map.bin"), Ok("Levels/1/map.bin"));
        assert_eq!(check("Levels/1/"), Ok("Levels/1"));
        assert_eq!(check(".hidden/x"), Ok(".hidden/x"));
    }

    #[test]
    fn escaping_paths_are_refused() {
        for (path, expected) in [
            ("", "empty"),
            ("../x", "contains `..`"),
            ("a/../../x", "contains `..`"),
            ("/etc/passwd", "absolute"),
            ("C:/Windows", "drive letter"),
            ("a\\..\\b", "contains `\\`"),
            ("a//b", "empty component"),
            ("./a", "contains `.`"),
            ("a\0b", "NUL"),
        ] {
            let err = check(path).unwrap_err();
            assert!(err.contains(expected), "{path:?}: {err}");
        }
    }
}
