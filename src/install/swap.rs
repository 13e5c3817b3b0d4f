//! The atomic swap between versions of an installed pack, its removal, and finding its files.
//! The names in a container are [`super::layout`]'s.
//!
//! An install is extracted in `.staging`, renamed to `.versions/<folder>@<n+1>`, and a new
//! symlink made beside the old one is renamed over `<container>/<folder>`: one `rename`, so a
//! reader resolving `<container>/<folder>/x` gets the old version's file or the new one's, never
//! a mix and never nothing. The old version is deleted [`RETIRE_AFTER`] later; files already
//! open in it stay readable. A crash in between leaves it for the start-up sweep
//! ([`super::sweep`]).
//!
//! Only bgassets' own link is ever replaced or removed: a folder, file or foreign link at the
//! pack's place is refused with [`InstallError::Occupied`] and left as it is. Every recursive
//! delete goes through [`crate::store::remove_tree`] with the container as the owned root.
//!
//! On Windows, where ordinary users cannot make symlinks, `<folder>` is the folder itself: the
//! old one is renamed away and the new one renamed in, which leaves a moment (between two
//! renames) with no folder, and fails while a file of the old version is open. There a folder
//! at the pack's place is taken to be bgassets' own.
//!
//! One install or removal of a given folder runs at a time (the manager's actor guarantees it);
//! different folders of one container may be installed and removed side by side, so `.staging`
//! and `.versions` are never removed once made (an install that found one gone under it failed).

use std::fs;
use std::path::{Path, PathBuf};

use super::InstallError;
use super::layout::{
    STAGING, VERSIONS, check_place, is_staged, link_target, parse_version, unique, version_name,
};
use crate::model::rel_path;
use crate::store::atomic::sync_parent;

pub use super::layout::{MAX_FOLDER, check_folder};
pub use super::retire::{RETIRE_AFTER, wait_retired};
use super::retire::{is_retiring, retire};

/// Deletes `target` (a folder and everything in it, or a file or link) through the one guarded
/// recursive delete, with `container` as the owned root; a target already gone is not an error.
pub(crate) fn delete(container: &Path, target: &Path) -> Result<(), InstallError> {
    crate::store::remove_tree(container, target)
        .map(drop)
        .map_err(|e| InstallError::io("remove", target)(std::io::Error::other(e)))
}

/// Makes an entry of `<container>/.staging` with `make`, creating `.staging` first. Installs of
/// other folders never remove `.staging` or `.versions`; only a failed first install removes its
/// new container's (when empty), so a make that finds `.staging` gone is retried.
fn in_staging(
    container: &Path,
    entry: &Path,
    action: &'static str,
    make: impl Fn() -> std::io::Result<()>,
) -> Result<(), InstallError> {
    let root = container.join(STAGING);
    let mut attempts = 0;
    loop {
        fs::create_dir_all(&root).map_err(InstallError::io("create the folder", &root))?;
        match make() {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && attempts < 3 => attempts += 1,
            result => return result.map_err(InstallError::io(action, entry)),
        }
    }
}

/// A fresh, empty staging folder for `folder`, after deleting leftovers of crashed installs.
pub fn prepare_staging(container: &Path, folder: &str) -> Result<PathBuf, InstallError> {
    remove_staged(container, folder);
    let staging = container.join(STAGING).join(unique(folder));
    in_staging(container, &staging, "create the folder", || {
        fs::create_dir(&staging)
    })?;
    Ok(staging)
}

/// Deletes a staging folder and, for an install that made the container, `.staging` and the
/// container if that leaves them empty.
pub fn discard(container: &Path, staging: &Path, remove_container: bool) {
    let _ = delete(container, staging);
    if remove_container {
        let _ = fs::remove_dir(container.join(STAGING));
        let _ = fs::remove_dir(container.join(VERSIONS));
        let _ = fs::remove_dir(container);
    }
}

/// Moves `staging` in as the installed version of `folder`; the previous one is deleted shortly
/// after (see [`RETIRE_AFTER`]). Refuses, leaving it as it is, anything bgassets did not make at
/// `<container>/<folder>`.
pub fn swap_in(container: &Path, folder: &str, staging: &Path) -> Result<PathBuf, InstallError> {
    let versions_root = container.join(VERSIONS);
    fs::create_dir_all(&versions_root)
        .map_err(InstallError::io("create the folder", &versions_root))?;
    let old = list_versions(&versions_root, folder);
    let mut number = old
        .iter()
        .filter_map(|path| version_number(path, folder))
        .max()
        .unwrap_or(0);
    let version = loop {
        number = number.saturating_add(1);
        let version = versions_root.join(version_name(folder, number));
        if is_retiring(&version) {
            continue; // a version of before a removal, about to be deleted: never reused
        }
        match fs::rename(staging, &version) {
            Ok(()) => break version,
            Err(_) if version.exists() && number < 1_000_000 => continue,
            Err(e) => return Err(InstallError::io("move into place", &version)(e)),
        }
    };
    sync_parent(&version);
    let link = container.join(folder);
    if let Err(error) = point(container, folder, number) {
        let _ = delete(container, &version);
        return Err(error);
    }
    sync_parent(&link);
    retire(container, old);
    remove_staged(container, folder);
    Ok(link)
}

/// Unix: makes `<container>/<folder>` a symlink to version `number` in one rename.
#[cfg(unix)]
fn point(container: &Path, folder: &str, number: u64) -> Result<(), InstallError> {
    check_place(container, folder)?;
    let link = container.join(folder);
    let temporary = container.join(STAGING).join(unique(folder));
    in_staging(container, &temporary, "create the symlink", || {
        std::os::unix::fs::symlink(link_target(folder, number), &temporary)
    })?;
    if let Err(e) = fs::rename(&temporary, &link) {
        let _ = fs::remove_file(&temporary);
        return Err(InstallError::io("swap in", &link)(e));
    }
    Ok(())
}

/// Windows: renames the installed folder away, then the new version in.
#[cfg(not(unix))]
fn point(container: &Path, folder: &str, number: u64) -> Result<(), InstallError> {
    check_place(container, folder)?;
    let link = container.join(folder);
    let aside = container.join(STAGING).join(unique(folder));
    let moved = link.exists();
    if moved {
        fs::rename(&link, &aside).map_err(InstallError::io("move aside", &link))?;
    }
    if let Err(e) = fs::rename(container.join(link_target(folder, number)), &link) {
        if moved {
            let _ = fs::rename(&aside, &link);
        }
        return Err(InstallError::io("swap in", &link)(e));
    }
    let _ = delete(container, &aside);
    Ok(())
}

/// The `n` of `…/<folder>@<n>`.
fn version_number(path: &Path, folder: &str) -> Option<u64> {
    match parse_version(path.file_name()?.to_str()?) {
        Some((of, number)) if of == folder => Some(number),
        _ => None,
    }
}

/// The version folders of `folder`: the entries of `.versions` named `<folder>@<n>`.
fn list_versions(versions_root: &Path, folder: &str) -> Vec<PathBuf> {
    list(versions_root)
        .into_iter()
        .filter(|path| version_number(path, folder).is_some())
        .collect()
}

/// The entries of `dir` (none when it cannot be read).
pub(crate) fn list(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    entries.flatten().map(|e| e.path()).collect()
}

/// Deletes what `.staging` holds for `folder` (folders or links); best effort.
fn remove_staged(container: &Path, folder: &str) {
    for path in list(&container.join(STAGING)) {
        if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|name| is_staged(name, folder))
        {
            let _ = delete(container, &path);
        }
    }
}

/// The bytes of the files under `dir`, not following symlinks.
fn tree_size(dir: &Path) -> Result<u64, InstallError> {
    let entries = fs::read_dir(dir).map_err(InstallError::io("list", dir))?;
    let mut total = 0u64;
    for entry in entries {
        let entry = entry.map_err(InstallError::io("list", dir))?;
        let path = entry.path();
        let meta = fs::symlink_metadata(&path).map_err(InstallError::io("inspect", &path))?;
        total = total.saturating_add(if meta.is_dir() {
            tree_size(&path)?
        } else if meta.is_file() {
            meta.len()
        } else {
            0
        });
    }
    Ok(total)
}

/// The bytes the installed version of `folder` takes (0 when none is installed).
pub fn installed_size(container: &Path, folder: &str) -> Result<u64, InstallError> {
    check_folder(folder)?;
    match fs::canonicalize(container.join(folder)) {
        Ok(root) => tree_size(&root),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(InstallError::io("resolve", &container.join(folder))(e)),
    }
}

/// Removes the installed pack `folder` (and leftovers of its installs); returns the bytes freed.
/// Something bgassets did not make at `<container>/<folder>` is refused and nothing is removed.
pub fn remove(container: &Path, folder: &str) -> Result<u64, InstallError> {
    check_folder(folder)?;
    check_place(container, folder)?;
    let freed = installed_size(container, folder)?;
    let link = container.join(folder);
    delete(container, &link)?;
    sync_parent(&link);
    for version in list_versions(&container.join(VERSIONS), folder) {
        delete(container, &version)?;
    }
    remove_staged(container, folder);
    Ok(freed)
}

/// The path of the file at `relative` (such as `Levels/1/map.bin`) in the installed pack
/// `folder`, through `<container>/<folder>` so it stays valid across updates.
pub fn resolve(container: &Path, folder: &str, relative: &str) -> Result<PathBuf, InstallError> {
    check_folder(folder)?;
    let pack = container.join(folder);
    let not_found = || InstallError::NotFound {
        pack: pack.clone(),
        relative: relative.to_string(),
    };
    let relative = rel_path::check(relative).map_err(|_| not_found())?;
    let root = fs::canonicalize(&pack).map_err(|_| not_found())?;
    let file = fs::canonicalize(root.join(relative)).map_err(|_| not_found())?;
    if !file.starts_with(&root) || !file.is_file() {
        return Err(not_found());
    }
    Ok(pack.join(relative))
}
