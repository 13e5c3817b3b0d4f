//! Turns a pack manifest's file selectors into the sorted list of files to archive.
//!
//! Every selected path must stay inside `--root`: `..` and absolute selectors are refused by the
//! model, and symlinks are followed only when their target is inside the root (the archive then
//! holds the target's bytes under the link's name; it never holds a symlink). A directory
//! selector keeps its folder as a path prefix (`Levels/1/map.bin`).

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use super::BuildError;
use crate::model::pack_manifest::{ARCHIVE_MANIFEST_NAME, FileSelector};

/// One file to archive: its name in the archive and where its bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The name in the archive (`/`-separated, relative to the pack root).
    pub name: String,
    /// Where the bytes are on disk.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
}

/// Collects the files `selectors` name under `root`, sorted by archive name, without duplicates.
pub fn collect(root: &Path, selectors: &[FileSelector]) -> Result<Vec<SourceFile>, BuildError> {
    let root = root.canonicalize().map_err(BuildError::read(root))?;
    let mut files = BTreeMap::new();
    for selector in selectors {
        let fail = |problem: String| BuildError::Selector {
            selector: selector.path().to_string(),
            problem,
        };
        let path = root.join(selector.path());
        let target = resolve_inside(&root, &path).map_err(fail)?;
        let metadata = fs::metadata(&target).map_err(BuildError::read(&target))?;
        match selector {
            FileSelector::File(name) if metadata.is_file() => {
                insert(&mut files, name.clone(), target, metadata.len()).map_err(fail)?;
            }
            FileSelector::File(_) => {
                return Err(fail(format!("{} is not a regular file", path.display())));
            }
            FileSelector::Directory(name) if metadata.is_dir() => {
                let mut visited = HashSet::new();
                walk(&root, &target, name, &mut visited, &mut files)?;
            }
            FileSelector::Directory(_) => {
                return Err(fail(format!("{} is not a directory", path.display())));
            }
        }
    }
    Ok(files.into_values().collect())
}

/// The canonical target of `path`, which must exist and lie inside `root`.
fn resolve_inside(root: &Path, path: &Path) -> Result<PathBuf, String> {
    let target = path
        .canonicalize()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if !target.starts_with(root) {
        return Err(format!(
            "{} leads to {}, outside the root {}",
            path.display(),
            target.display(),
            root.display()
        ));
    }
    Ok(target)
}

fn insert(
    files: &mut BTreeMap<String, SourceFile>,
    name: String,
    path: PathBuf,
    size: u64,
) -> Result<(), String> {
    if name == ARCHIVE_MANIFEST_NAME || name.starts_with(".bgassets/") {
        return Err(format!(
            "`{name}` is inside `.bgassets/`, which the archive reserves for its manifest"
        ));
    }
    files.insert(name.clone(), SourceFile { name, path, size });
    Ok(())
}

/// Adds every file under `dir` (already canonical and inside `root`) with `prefix` as its name.
fn walk(
    root: &Path,
    dir: &Path,
    prefix: &str,
    visited: &mut HashSet<PathBuf>,
    files: &mut BTreeMap<String, SourceFile>,
) -> Result<(), BuildError> {
    if !visited.insert(dir.to_path_buf()) {
        return Ok(()); // a symlink loop back to a folder already walked
    }
    let entries = fs::read_dir(dir).map_err(BuildError::read(dir))?;
    let mut children = Vec::new();
    for entry in entries {
        let entry = entry.map_err(BuildError::read(dir))?;
        children.push(entry.path());
    }
    children.sort();
    for child in children {
        let Some(file_name) = child.file_name().and_then(|n| n.to_str()) else {
            return Err(BuildError::Selector {
                selector: prefix.to_string(),
                problem: format!("{} has a name that is not UTF-8", child.display()),
            });
        };
        let name = format!("{prefix}/{file_name}");
        let fail = |problem: String| BuildError::Selector {
            selector: prefix.to_string(),
            problem,
        };
        let target = resolve_inside(root, &child).map_err(fail)?;
        let metadata = fs::metadata(&target).map_err(BuildError::read(&target))?;
        if metadata.is_dir() {
            walk(root, &target, &name, visited, files)?;
        } else if metadata.is_file() {
            insert(files, name, target, metadata.len()).map_err(fail)?;
        }
    }
    Ok(())
}
