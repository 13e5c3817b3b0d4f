//! Loading a state file forgivingly: a missing file means "nothing saved yet", and an unreadable
//! one is set aside as `NAME.corrupt.json` (never deleted) with a warning, so a damaged file
//! costs the saved state but never the start-up, and nothing is lost for a person to inspect.

use std::path::Path;

/// Reads `path` and parses it with `parse`; `None` when there is nothing usable. `what` names
/// the file in warnings ("the download queue").
pub fn load<T>(
    path: &Path,
    what: &str,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Option<T> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return None,
        Err(error) => {
            tracing::warn!(
                "cannot read {what} {}: {error}; starting empty",
                path.display()
            );
            return None;
        }
    };
    match parse(&text) {
        Ok(value) => Some(value),
        Err(error) => {
            let aside = path.with_extension("corrupt.json");
            let _ = std::fs::rename(path, &aside);
            tracing::warn!(
                "{what} {} is unreadable ({error}); kept as {} and starting empty",
                path.display(),
                aside.display()
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::load;

    #[test]
    fn missing_is_none_and_unreadable_is_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        assert_eq!(load(&path, "the state", |t| Ok(t.to_string())), None);
        std::fs::write(&path, "{broken").unwrap();
        let parsed = load(&path, "the state", |t| {
            serde_json::from_str::<serde_json::Value>(t).map_err(|e| e.to_string())
        });
        assert_eq!(parsed, None);
        assert!(!path.exists());
        assert_eq!(
            std::fs::read_to_string(dir.path().join("state.corrupt.json")).unwrap(),
            "{broken"
        );
    }
}
