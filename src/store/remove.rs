//! The one recursive delete bgassets has. Every folder it removes goes through [`remove_tree`],
//! which refuses a target that does not lie strictly inside the root the caller owns (the data
//! dir, or the folder given with `--into`), however it is spelled: `..` segments, a symlinked
//! parent pointing elsewhere, or the root itself. A target that is itself a symlink is unlinked,
//! never followed.

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

/// Why a delete was refused or failed; it names both paths.
#[derive(Debug, thiserror::Error)]
pub enum RemoveError {
    /// The target does not lie inside the folder bgassets owns: nothing was deleted.
    #[error("refusing to delete {target}: it does not lie inside {root}, which bgassets owns")]
    Outside {
        /// What was to be deleted.
        target: PathBuf,
        /// The folder bgassets owns.
        root: PathBuf,
    },
    /// A file system operation failed.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What was being done (`inspect`, `delete`…).
        action: &'static str,
        /// The path it was done to.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
}

impl RemoveError {
    fn io(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> Self {
        let path = path.to_path_buf();
        move |source| Self::Io {
            action,
            path,
            source,
        }
    }
}

/// Removes `target` (a folder with everything in it, a file, or a symlink, which is unlinked
/// and not followed) after checking that it lies strictly inside `owned_root`. A target that
/// does not exist is not an error. Returns whether something was removed.
pub fn remove_tree(owned_root: &Path, target: &Path) -> Result<bool, RemoveError> {
    let Some(resolved) = resolve_inside(owned_root, target)? else {
        return Ok(false);
    };
    let meta = match fs::symlink_metadata(&resolved) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(RemoveError::io("inspect", target)(e)),
    };
    if meta.is_dir() {
        // std's remove_dir_all does not follow symlinks found inside the tree.
        fs::remove_dir_all(&resolved).map_err(RemoveError::io("delete", target))?;
    } else {
        fs::remove_file(&resolved).map_err(RemoveError::io("delete", target))?;
    }
    Ok(true)
}

/// The target with its parent resolved, if it lies strictly inside the root; `None` when its
/// parent does not exist (nothing to delete).
fn resolve_inside(owned_root: &Path, target: &Path) -> Result<Option<PathBuf>, RemoveError> {
    let outside = || RemoveError::Outside {
        target: target.to_path_buf(),
        root: owned_root.to_path_buf(),
    };
    let name = match target.components().next_back() {
        Some(Component::Normal(name)) => name.to_os_string(),
        _ => return Err(outside()),
    };
    let root = match fs::canonicalize(owned_root) {
        Ok(root) => root,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(RemoveError::io("resolve", owned_root)(e)),
    };
    let parent = target.parent().unwrap_or(Path::new(""));
    let parent = match fs::canonicalize(if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    }) {
        Ok(parent) => parent,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            // Nothing can exist below a missing parent, but a lexical escape is still refused.
            return if lexically_inside(owned_root, target) {
                Ok(None)
            } else {
                Err(outside())
            };
        }
        Err(e) => return Err(RemoveError::io("resolve", target)(e)),
    };
    if !parent.starts_with(&root) {
        return Err(outside());
    }
    Ok(Some(parent.join(name)))
}

fn lexically_inside(root: &Path, target: &Path) -> bool {
    target.starts_with(root)
        && target
            .strip_prefix(root)
            .is_ok_and(|rest| rest.components().all(|c| matches!(c, Component::Normal(_))))
        && target != root
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (tempfile::TempDir, PathBuf, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("data");
        let canary = dir.path().join("canary");
        fs::create_dir_all(root.join("containers/app/pack")).unwrap();
        fs::write(root.join("containers/app/pack/file"), b"x").unwrap();
        fs::create_dir_all(&canary).unwrap();
        fs::write(canary.join("keep"), b"user data").unwrap();
        (dir, root, canary)
    }

    #[test]
    fn a_folder_inside_the_root_is_removed() {
        let (_dir, root, _) = setup();
        assert!(remove_tree(&root, &root.join("containers/app")).unwrap());
        assert!(!root.join("containers/app").exists());
        assert!(!remove_tree(&root, &root.join("containers/app")).unwrap());
    }

    #[test]
    fn the_root_itself_and_escapes_are_refused() {
        let (dir, root, canary) = setup();
        for target in [
            root.clone(),
            root.join("containers/.."),
            root.join("containers/../.."),
            root.join("../canary"),
            canary.clone(),
            dir.path().to_path_buf(),
            PathBuf::from("/"),
        ] {
            let error = remove_tree(&root, &target).unwrap_err();
            assert!(
                error.to_string().contains("does not lie inside"),
                "{}: {error}",
                target.display()
            );
        }
        assert!(canary.join("keep").exists());
        assert!(root.join("containers/app/pack/file").exists());
    }

    #[test]
    fn a_symlinked_parent_pointing_outside_is_refused() {
        let (_dir, root, canary) = setup();
        std::os::unix::fs::symlink(&canary, root.join("containers/evil")).unwrap();
        let error = remove_tree(&root, &root.join("containers/evil/keep")).unwrap_err();
        assert!(error.to_string().contains("does not lie inside"), "{error}");
        assert!(canary.join("keep").exists());
    }

    #[test]
    fn a_symlink_target_is_unlinked_not_followed() {
        let (_dir, root, canary) = setup();
        let link = root.join("containers/link");
        std::os::unix::fs::symlink(&canary, &link).unwrap();
        assert!(remove_tree(&root, &link).unwrap());
        assert!(!link.exists());
        assert!(canary.join("keep").exists());
    }

    #[test]
    fn a_missing_parent_is_nothing_to_do_unless_it_escapes() {
        let (_dir, root, _) = setup();
        assert!(!remove_tree(&root, &root.join("nope/deeper")).unwrap());
        assert!(remove_tree(&root, &root.join("nope/../../x")).is_err());
    }
}
