//! The manager's start-up sweep: before it restores anything, what a crash of an earlier run
//! left behind in the data dir and no longer needs is deleted, so crashes never pile up bytes.
//!
//! - In every app container: staging folders, temporary links and version folders no pack's
//!   link points at ([`crate::install::sweep`]).
//! - In `downloads/<app>/`: pack archives and their partial files (`<folder>@<n>.zip`,
//!   `<folder>@<n>.zip.partial`, and a delta update's `<folder>@<n>.zip.delta`) that no download in the engine's queue owns and no wanted,
//!   uninstalled listed version will use: the partial of a version an update replaced, or an
//!   installed archive whose deletion a crash cut short.
//!
//! - In the engine's queue: a finished download whose archive is gone, or whose version the
//!   state already records as installed. A crash after an install used the archive and deleted
//!   it, but before the queue was saved without it, leaves one; installing it again would fail
//!   (no archive) and mark the pack failed. Forgotten, the pack is downloaded again if the
//!   manager's state does not yet record that version as installed.
//!
//! Nothing else is touched: an app's own downloads (`downloads/<app>/download-IDENTIFIER` and
//! its partial file, which the engine's queue resumes; `CONTAINER/Background Downloads/`, which
//! no sweep enters), other names, and everything the engine's queue still refers to,
//! stay. It runs in the actor before the first request is answered, so no install of this
//! process is running yet, and the data dir's lock keeps out any other manager.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::key::DownloadKey;
use super::state::ManagerState;
use crate::engine::{self, DownloadState, EngineHandle};
use crate::install::layout::parse_version;
use crate::store::Paths;

/// A finished download as the sweep sees it: its id, and whether its archive is on disk.
pub struct Finished<'a> {
    pub id: &'a str,
    pub archive_exists: bool,
}

/// The finished downloads there is nothing left to install from: the archive is gone, or the
/// state records that version as installed.
pub fn stale<'a>(finished: &[Finished<'a>], state: &ManagerState) -> Vec<&'a str> {
    let installed = |app: &str, pack: &str| {
        state
            .apps
            .get(app)
            .and_then(|r| r.packs.get(pack))
            .and_then(|p| p.observed.installed.as_ref())
            .map(|i| i.version)
    };
    finished
        .iter()
        .filter(|f| {
            !f.archive_exists
                || f.id
                    .parse::<DownloadKey>()
                    .is_ok_and(|key| installed(&key.app, &key.pack) == Some(key.version))
        })
        .map(|f| f.id)
        .collect()
}

/// Whether `name` is one of the names the manager gives a pack archive in `downloads/<app>/`:
/// `<folder>@<n>.zip`, or that with `.partial`, or with `.partial.segments` (a segmented
/// download's record of the ranges its partial holds), or with `.delta` (a delta update's
/// ranges, which only a running delta update uses: every one found at start-up is left over).
pub fn is_archive_name(name: &str) -> bool {
    let stem = name
        .strip_suffix(".partial.segments")
        .or_else(|| name.strip_suffix(".partial"))
        .or_else(|| name.strip_suffix(".delta"))
        .unwrap_or(name);
    stem.strip_suffix(".zip")
        .is_some_and(|version| parse_version(version).is_some())
}

/// The files of `files` (in `downloads/<app>/` folders) that are archives or partials no
/// download owns.
pub fn unowned(files: &[PathBuf], owned: &HashSet<PathBuf>) -> Vec<PathBuf> {
    files
        .iter()
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(is_archive_name)
                && !owned.contains(*path)
        })
        .cloned()
        .collect()
}

/// The archives (and their partial files) of every listed version the state wants and has not
/// installed: a crash can leave them before the engine's queue was saved with them, and the
/// download that follows the restart continues from them (its SHA-256 is pinned) rather than
/// starting from zero.
pub fn pending_archives(paths: &Paths, state: &ManagerState) -> Vec<PathBuf> {
    state
        .apps
        .values()
        .flat_map(|record| {
            record.packs.values().filter_map(|entry| {
                let listed = entry.observed.listed.as_ref()?;
                let installed = entry.observed.installed.as_ref().map_or(0, |i| i.version);
                (entry.intent.wanted.is_some() && listed.version > installed)
                    .then(|| paths.pack_archive(&record.app.bundle_id, &listed.id, listed.version))
            })
        })
        .flat_map(|archive| owned_files(&archive, &crate::store::atomic::partial_path(&archive)))
        .collect()
}

/// The files a download to `destination` owns: the archive, its partial file and, when it is
/// segmented, the partial's record of the ranges it holds (without which a resume could not
/// tell the holes from the bytes).
fn owned_files(destination: &Path, partial: &Path) -> [PathBuf; 3] {
    [
        destination.to_path_buf(),
        partial.to_path_buf(),
        crate::engine::segments::sidecar::path(partial),
    ]
}

/// The regular files one level inside the real folders of `downloads`.
fn download_files(downloads: &Path) -> Vec<PathBuf> {
    let entries = |dir: &Path| -> Vec<PathBuf> {
        std::fs::read_dir(dir)
            .map(|e| e.flatten().map(|e| e.path()).collect())
            .unwrap_or_default()
    };
    let is = |path: &PathBuf, dir: bool| {
        std::fs::symlink_metadata(path).is_ok_and(|m| if dir { m.is_dir() } else { m.is_file() })
    };
    entries(downloads)
        .into_iter()
        .filter(|app| is(app, true))
        .flat_map(|app| entries(&app))
        .filter(|file| is(file, false))
        .collect()
}

/// Sweeps the engine's queue, the containers and the downloads folder of `paths`; logs what
/// went.
pub async fn sweep(paths: &Paths, downloads: &EngineHandle, state: &ManagerState) {
    if let Ok(snapshot) = downloads.snapshot().await {
        let finished: Vec<Finished> = snapshot
            .downloads
            .iter()
            .filter(|d| d.state == DownloadState::Finished)
            .map(|d| Finished {
                id: &d.request.id,
                archive_exists: d.request.destination.exists(),
            })
            .collect();
        let stale: Vec<String> = stale(&finished, state)
            .into_iter()
            .map(String::from)
            .collect();
        if !stale.is_empty() {
            tracing::info!("forgetting finished downloads already installed or gone: {stale:?}");
            let _ = downloads.forget(engine::Targets::Ids(stale)).await;
        }
    }
    let pending = pending_archives(paths, state);
    let owned: Option<HashSet<PathBuf>> = downloads.snapshot().await.ok().map(|snapshot| {
        snapshot
            .downloads
            .iter()
            .flat_map(|d| owned_files(&d.request.destination, &d.request.partial_path()))
            .chain(pending)
            .collect()
    });
    let (containers, downloads_dir) = (paths.containers_dir(), paths.downloads_dir());
    let swept = tokio::task::spawn_blocking(move || {
        let mut removed = 0usize;
        for (container, result) in crate::install::sweep::sweep_all(&containers) {
            match result {
                Ok(swept) => removed += swept.removed.len() + swept.retiring.len(),
                Err(error) => tracing::warn!(
                    "cannot sweep the leftovers of {}: {error}",
                    container.display()
                ),
            }
        }
        // Without the engine's queue nothing can be known to be unowned.
        if let Some(owned) = owned {
            for file in unowned(&download_files(&downloads_dir), &owned) {
                match std::fs::remove_file(&file) {
                    Ok(()) => removed += 1,
                    Err(error) => tracing::warn!("cannot delete {}: {error}", file.display()),
                }
            }
        }
        removed
    })
    .await;
    match swept {
        Ok(0) => {}
        Ok(count) => tracing::info!("deleted {count} leftovers of an earlier run"),
        Err(error) => tracing::warn!("the start-up sweep stopped: {error}"),
    }
}

#[cfg(test)]
#[path = "leftovers_tests.rs"]
mod tests;
