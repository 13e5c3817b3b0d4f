//! Versions of an installed pack and the atomic swap between them; removal; finding files.
//!
//! Layout of a container: `<folder>` is a symlink to `.versions/<folder>@<n>/`; installs are
//! extracted in `.staging/<folder>-<n>/`. Replacing the symlink is one `rename`, so a reader
//! resolving `<container>/<folder>/x` gets the old version's file or the new one's, and files it
//! already holds open keep working after the old version is deleted.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::InstallError;
use crate::model::rel_path;

const STAGING: &str = ".staging";
const VERSIONS: &str = ".versions";

fn unique() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{nanos}-{}", std::process::id())
}

/// A fresh, empty staging folder for `folder`, after clearing leftovers of crashed installs.
pub fn prepare_staging(container: &Path, folder: &str) -> Result<PathBuf, InstallError> {
    let staging_root = container.join(STAGING);
    fs::create_dir_all(&staging_root).map_err(InstallError::io("cannot create", &staging_root))?;
    if let Ok(entries) = fs::read_dir(&staging_root) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(&format!("{folder}-")) {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }
    let staging = staging_root.join(format!("{folder}-{}", unique()));
    fs::create_dir(&staging).map_err(InstallError::io("cannot create", &staging))?;
    Ok(staging)
}

/// The version folders of `folder`, as (path, name).
fn versions(container: &Path, folder: &str) -> Vec<PathBuf> {
    let prefix = format!("{folder}@");
    fs::read_dir(container.join(VERSIONS))
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default()
}

/// Moves `staging` in as the installed version of `folder` and drops the previous one.
pub fn swap_in(container: &Path, folder: &str, staging: &Path) -> Result<PathBuf, InstallError> {
    let versions_root = container.join(VERSIONS);
    fs::create_dir_all(&versions_root)
        .map_err(InstallError::io("cannot create", &versions_root))?;
    let old = versions(container, folder);
    let name = format!("{folder}@{}", unique());
    let version = versions_root.join(&name);
    fs::rename(staging, &version).map_err(InstallError::io("cannot move into place", &version))?;
    let link = container.join(folder);
    point(container, &link, &PathBuf::from(VERSIONS).join(&name))?;
    crate::store::atomic::sync_parent(&link);
    for previous in old {
        let _ = fs::remove_dir_all(previous);
    }
    Ok(link)
}

/// Makes `link` point at `target` (relative to the container) in one rename.
#[cfg(unix)]
fn point(container: &Path, link: &Path, target: &Path) -> Result<(), InstallError> {
    let temporary = container.join(format!(
        ".{}.link-{}",
        link.file_name().unwrap_or_default().to_string_lossy(),
        unique()
    ));
    std::os::unix::fs::symlink(target, &temporary)
        .map_err(InstallError::io("cannot create", &temporary))?;
    if link.is_dir() && !link.is_symlink() {
        // A plain folder from another layout: move it aside first.
        let aside = container.join(STAGING).join(format!("old-{}", unique()));
        fs::rename(link, &aside).map_err(InstallError::io("cannot move aside", link))?;
    }
    fs::rename(&temporary, link).map_err(|source| {
        let _ = fs::remove_file(&temporary);
        InstallError::Io {
            action: "cannot swap in",
            path: link.to_path_buf(),
            source,
        }
    })
}

/// Windows: no atomic symlink swap for ordinary users; the old folder is renamed away and the new
/// one renamed in, leaving a moment with no folder.
#[cfg(not(unix))]
fn point(container: &Path, link: &Path, target: &Path) -> Result<(), InstallError> {
    if link.exists() {
        let aside = container.join(STAGING).join(format!("old-{}", unique()));
        fs::rename(link, &aside).map_err(InstallError::io("cannot move aside", link))?;
    }
    fs::rename(container.join(target), link).map_err(InstallError::io("cannot swap in", link))
}

/// The bytes of every file under `dir`.
fn tree_size(dir: &Path) -> u64 {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.file_type() {
            Ok(t) if t.is_dir() => tree_size(&entry.path()),
            Ok(t) if t.is_file() => entry.metadata().map_or(0, |m| m.len()),
            _ => 0,
        })
        .sum()
}

/// The bytes the installed version of `folder` takes (0 when none is installed).
pub fn installed_size(container: &Path, folder: &str) -> Result<u64, InstallError> {
    let link = container.join(folder);
    Ok(match fs::canonicalize(&link) {
        Ok(target) => tree_size(&target),
        Err(_) => 0,
    })
}

/// Removes the installed pack `folder`; returns the bytes freed.
pub fn remove(container: &Path, folder: &str) -> Result<u64, InstallError> {
    let link = container.join(folder);
    let freed = installed_size(container, folder)?;
    if link.is_symlink() || link.is_file() {
        fs::remove_file(&link).map_err(InstallError::io("cannot remove", &link))?;
    } else if link.is_dir() {
        fs::remove_dir_all(&link).map_err(InstallError::io("cannot remove", &link))?;
    }
    for version in versions(container, folder) {
        fs::remove_dir_all(&version).map_err(InstallError::io("cannot remove", &version))?;
    }
    Ok(freed)
}

/// The file at `relative` (a path such as `Levels/1/map.bin`) in the installed pack `folder`.
pub fn resolve(container: &Path, folder: &str, relative: &str) -> Result<PathBuf, InstallError> {
    let not_found = || InstallError::NotFound {
        folder: container.join(folder),
        relative: relative.to_string(),
    };
    let relative_checked = rel_path::check(relative).map_err(|_| not_found())?;
    let root = fs::canonicalize(container.join(folder)).map_err(|_| not_found())?;
    let path = fs::canonicalize(root.join(relative_checked)).map_err(|_| not_found())?;
    if !path.starts_with(&root) || !path.is_file() {
        return Err(not_found());
    }
    Ok(container.join(folder).join(relative_checked))
}
