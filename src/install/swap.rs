//! Where an installed pack lives in its container, and the atomic swap between versions.
//!
//! ```text
//! <container>/<folder>            -> .versions/<folder>@<n>   (a symlink on Unix)
//! <container>/.versions/<folder>@<n>/…                         the installed files
//! <container>/.staging/<folder>-<random>-<pid>/…               an install in progress
//! ```
//!
//! An install is extracted in `.staging`, renamed to `.versions/<folder>@<n+1>`, and a new
//! symlink made beside the old one is renamed over it: one `rename`, so a reader resolving
//! `<container>/<folder>/x` gets the old version's file or the new one's, never a mix and never
//! nothing. The old version is deleted afterwards; files already open in it stay readable.
//!
//! On Windows, where ordinary users cannot make symlinks, `<folder>` is the folder itself: the
//! old one is renamed away and the new one renamed in, which leaves a moment (between two
//! renames) with no folder, and fails while a file of the old version is open.
//!
//! `@` never appears in a folder name ([`check_folder`]), so `<folder>@` prefixes are
//! unambiguous; in `.staging`, `<folder>-<digits>-<digits>` names only `<folder>`'s entries
//! (never those of a pack `<folder>-2`). One install or removal of a given folder runs at a
//! time (the manager's actor guarantees it); different folders of one container may be
//! installed side by side.

use std::fs;
use std::path::{Path, PathBuf};

use super::InstallError;
use crate::model::rel_path;
use crate::store::atomic::sync_parent;

pub(crate) const STAGING: &str = ".staging";
pub(crate) const VERSIONS: &str = ".versions";
/// The longest folder name: with `-<u32>-<pid>` (22 bytes at most) its staging name still fits
/// in the 255 bytes file systems allow.
pub const MAX_FOLDER: usize = 233;

/// Checks that `folder` is one plain path component, as `PackId::folder_name` makes.
pub fn check_folder(folder: &str) -> Result<(), InstallError> {
    let problem = match rel_path::check(folder) {
        Err(problem) => Some(problem),
        Ok(_) if folder.contains('/') => Some("it has more than one component".into()),
        Ok(_) if folder.starts_with('.') => Some("it starts with `.`".into()),
        Ok(_) if folder.contains('@') => Some("it contains `@`".into()),
        Ok(_) if folder.len() > MAX_FOLDER => Some(format!("it is longer than {MAX_FOLDER} bytes")),
        Ok(_) => None,
    };
    match problem {
        Some(problem) => Err(InstallError::InvalidFolder {
            folder: folder.to_string(),
            problem,
        }),
        None => Ok(()),
    }
}

/// A fresh, empty staging folder for `folder`, after deleting leftovers of crashed installs.
pub fn prepare_staging(container: &Path, folder: &str) -> Result<PathBuf, InstallError> {
    let root = container.join(STAGING);
    remove_staged(&root, folder);
    let staging = root.join(unique(folder));
    // Another install's cleanup may remove an empty `.staging` between the two calls: retry.
    let mut attempts = 0;
    loop {
        fs::create_dir_all(&root).map_err(InstallError::io("create the folder", &root))?;
        match fs::create_dir(&staging) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && attempts < 3 => attempts += 1,
            result => {
                return result
                    .map(|()| staging.clone())
                    .map_err(InstallError::io("create the folder", &staging));
            }
        }
    }
}

/// Deletes a staging folder and, if that leaves them empty, `.staging` and the container.
pub fn discard(container: &Path, staging: &Path, remove_container: bool) {
    let _ = fs::remove_dir_all(staging);
    let _ = fs::remove_dir(container.join(STAGING));
    if remove_container {
        let _ = fs::remove_dir(container);
    }
}

/// How long a replaced version stays on disk after the swap: a reader that resolved the old
/// symlink an instant before the swap still finds its files.
pub const RETIRE_AFTER: std::time::Duration = std::time::Duration::from_millis(500);

/// Threads deleting replaced versions, for [`wait_retired`].
static RETIRING: std::sync::Mutex<Vec<std::thread::JoinHandle<()>>> =
    std::sync::Mutex::new(Vec::new());

/// Deletes replaced versions after [`RETIRE_AFTER`], on a thread of their own (a version left
/// behind by an exit in between is deleted by the next install of that pack).
fn retire(versions: Vec<PathBuf>) {
    if versions.is_empty() {
        return;
    }
    let spawned = std::thread::Builder::new()
        .name("bgassets-retire".into())
        .spawn(move || {
            std::thread::sleep(RETIRE_AFTER);
            for version in versions {
                let _ = fs::remove_dir_all(version);
            }
        });
    match spawned {
        Ok(handle) => {
            if let Ok(mut retiring) = RETIRING.lock() {
                retiring.retain(|h| !h.is_finished());
                retiring.push(handle);
            }
        }
        Err(error) => {
            tracing::warn!("cannot start the thread that deletes replaced pack versions: {error}")
        }
    }
}

/// Waits until every replaced version has been deleted (a process about to exit calls this).
pub fn wait_retired() {
    let handles = RETIRING
        .lock()
        .map(|mut retiring| std::mem::take(&mut *retiring))
        .unwrap_or_default();
    for handle in handles {
        let _ = handle.join();
    }
}

/// Moves `staging` in as the installed version of `folder`; the previous one is deleted shortly
/// after (see [`RETIRE_AFTER`]).
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
        number += 1;
        let version = versions_root.join(format!("{folder}@{number}"));
        match fs::rename(staging, &version) {
            Ok(()) => break version,
            Err(_) if version.exists() && number < 1_000_000 => continue,
            Err(e) => return Err(InstallError::io("move into place", &version)(e)),
        }
    };
    sync_parent(&version);
    let link = container.join(folder);
    let relative = Path::new(VERSIONS).join(format!("{folder}@{number}"));
    if let Err(error) = point(container, folder, &relative) {
        let _ = fs::remove_dir_all(&version);
        return Err(error);
    }
    sync_parent(&link);
    retire(old);
    remove_staged(&container.join(STAGING), folder);
    let _ = fs::remove_dir(container.join(STAGING));
    Ok(link)
}

/// Unix: makes `<container>/<folder>` a symlink to `target` in one rename.
#[cfg(unix)]
fn point(container: &Path, folder: &str, target: &Path) -> Result<(), InstallError> {
    let link = container.join(folder);
    let temporary = container.join(STAGING).join(unique(folder));
    std::os::unix::fs::symlink(target, &temporary)
        .map_err(InstallError::io("create the symlink", &temporary))?;
    let mut aside = None;
    if fs::symlink_metadata(&link).is_ok_and(|m| m.is_dir()) {
        // A plain folder (copied in by hand, or from another layout): it cannot be swapped
        // atomically, so it is moved aside first.
        let to = container.join(STAGING).join(unique(folder));
        fs::rename(&link, &to).map_err(InstallError::io("move aside", &link))?;
        aside = Some(to);
    }
    if let Err(e) = fs::rename(&temporary, &link) {
        let _ = fs::remove_file(&temporary);
        if let Some(aside) = &aside {
            let _ = fs::rename(aside, &link);
        }
        return Err(InstallError::io("swap in", &link)(e));
    }
    if let Some(aside) = aside {
        let _ = fs::remove_dir_all(aside);
    }
    Ok(())
}

/// Windows: renames the installed folder away, then the new version in.
#[cfg(not(unix))]
fn point(container: &Path, folder: &str, target: &Path) -> Result<(), InstallError> {
    let link = container.join(folder);
    let aside = container.join(STAGING).join(unique(folder));
    let moved = link.exists();
    if moved {
        fs::rename(&link, &aside).map_err(InstallError::io("move aside", &link))?;
    }
    if let Err(e) = fs::rename(container.join(target), &link) {
        if moved {
            let _ = fs::rename(&aside, &link);
        }
        return Err(InstallError::io("swap in", &link)(e));
    }
    let _ = fs::remove_dir_all(aside);
    Ok(())
}

/// A fresh name for an entry of `.staging`: `<folder>-<random>-<pid>`.
fn unique(folder: &str) -> String {
    format!("{folder}-{}-{}", fastrand::u32(..), std::process::id())
}

/// Whether `name` is one of [`unique`]'s names for `folder`.
fn is_staged(name: &str, folder: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    name.strip_prefix(folder)
        .and_then(|rest| rest.strip_prefix('-'))
        .and_then(|rest| rest.split_once('-'))
        .is_some_and(|(random, pid)| digits(random) && digits(pid))
}

/// The `n` of `…/<folder>@<n>`.
fn version_number(path: &Path, folder: &str) -> Option<u64> {
    let name = path.file_name()?.to_str()?;
    name.strip_prefix(folder)?.strip_prefix('@')?.parse().ok()
}

/// The version folders of `folder`: the entries of `.versions` named `<folder>@…`.
fn list_versions(versions_root: &Path, folder: &str) -> Vec<PathBuf> {
    let prefix = format!("{folder}@");
    list(versions_root, |name| name.starts_with(&prefix))
}

/// The entries of `dir` whose names pass `keep`.
fn list(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| keep(&e.file_name().to_string_lossy()))
        .map(|e| e.path())
        .collect()
}

/// Deletes what `.staging` holds for `folder` (folders or symlinks); best effort.
fn remove_staged(staging_root: &Path, folder: &str) {
    for path in list(staging_root, |name| is_staged(name, folder)) {
        let _ = match fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_dir() => fs::remove_dir_all(&path),
            _ => fs::remove_file(&path),
        };
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
        total += if meta.is_dir() {
            tree_size(&path)?
        } else if meta.is_file() {
            meta.len()
        } else {
            0
        };
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
pub fn remove(container: &Path, folder: &str) -> Result<u64, InstallError> {
    let freed = installed_size(container, folder)?;
    let link = container.join(folder);
    match fs::symlink_metadata(&link) {
        Ok(meta) if meta.is_dir() => {
            fs::remove_dir_all(&link).map_err(InstallError::io("remove", &link))?;
        }
        Ok(_) => fs::remove_file(&link).map_err(InstallError::io("remove", &link))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(InstallError::io("inspect", &link)(e)),
    }
    sync_parent(&link);
    for version in list_versions(&container.join(VERSIONS), folder) {
        fs::remove_dir_all(&version).map_err(InstallError::io("remove", &version))?;
    }
    remove_staged(&container.join(STAGING), folder);
    let _ = fs::remove_dir(container.join(VERSIONS));
    let _ = fs::remove_dir(container.join(STAGING));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_are_one_plain_component() {
        for folder in [
            "Tutorial",
            "onnx%2Fx.onnx",
            "Level-2.hd",
            &"x".repeat(MAX_FOLDER),
        ] {
            assert!(check_folder(folder).is_ok(), "{folder}");
        }
        for folder in [
            "",
            "a/b",
            "..",
            ".staging",
            ".versions",
            "a@1",
            "a\\b",
            "C:",
            &"x".repeat(MAX_FOLDER + 1),
        ] {
            let error = check_folder(folder).unwrap_err();
            assert!(
                error.to_string().contains("is not a pack folder name"),
                "{folder}: {error}"
            );
        }
    }

    #[test]
    fn staging_names_belong_to_one_folder_only() {
        let name = unique("Pack");
        assert!(is_staged(&name, "Pack"), "{name}");
        assert!(!is_staged(&name, "Pack-2"));
        assert!(!is_staged(&unique("Pack-2"), "Pack"));
        assert!(is_staged(&unique("Pack-2"), "Pack-2"));
        assert!(!is_staged("Pack-x-1", "Pack"));
        assert!(!is_staged("Pack", "Pack"));
        let longest = format!("{}-{}-{}", "x".repeat(MAX_FOLDER), u32::MAX, u32::MAX);
        assert!(longest.len() <= 255, "{}", longest.len());
    }
}
