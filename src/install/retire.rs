//! Deleting replaced versions a moment after the swap, so a reader that resolved the old link an
//! instant before it still finds its files; an exit in between leaves them to the start-up
//! sweep ([`super::sweep`]).
//!
//! The paths waiting to be deleted are kept: an install never gives a new version a name that
//! is about to be deleted (after a removal, version numbers start again from the versions on
//! disk, and a retirement pending from before the removal would otherwise delete the new one).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::thread::JoinHandle;

use super::swap::delete;

/// How long a replaced version stays on disk after the swap.
pub const RETIRE_AFTER: std::time::Duration = std::time::Duration::from_millis(500);

/// Threads deleting replaced versions, for [`wait_retired`].
static THREADS: Mutex<Vec<JoinHandle<()>>> = Mutex::new(Vec::new());
/// The versions they are about to delete.
static PENDING: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

/// Whether `version` is about to be deleted.
pub(crate) fn is_retiring(version: &Path) -> bool {
    PENDING
        .lock()
        .is_ok_and(|pending| pending.contains(version))
}

/// Deletes `versions` of `container` after [`RETIRE_AFTER`], on a thread of their own.
/// A version already pending is left to the thread that has it: each pending path belongs to
/// one thread, which alone takes it off the list once it is deleted.
pub(crate) fn retire(container: &Path, mut versions: Vec<PathBuf>) {
    if let Ok(mut pending) = PENDING.lock() {
        versions.retain(|version| pending.insert(version.clone()));
    }
    if versions.is_empty() {
        return;
    }
    let container = container.to_path_buf();
    let spawned = std::thread::Builder::new()
        .name("bgassets-retire".into())
        .spawn(move || {
            std::thread::sleep(RETIRE_AFTER);
            for version in versions {
                if let Err(error) = delete(&container, &version) {
                    tracing::warn!("cannot delete a replaced pack version: {error}");
                }
                if let Ok(mut pending) = PENDING.lock() {
                    pending.remove(&version);
                }
            }
        });
    match spawned {
        Ok(handle) => {
            if let Ok(mut threads) = THREADS.lock() {
                threads.retain(|h| !h.is_finished());
                threads.push(handle);
            }
        }
        Err(error) => {
            tracing::warn!("cannot start the thread that deletes replaced pack versions: {error}")
        }
    }
}

/// Waits until every replaced version has been deleted (a process about to exit calls this).
pub fn wait_retired() {
    let handles = THREADS
        .lock()
        .map(|mut threads| std::mem::take(&mut *threads))
        .unwrap_or_default();
    for handle in handles {
        let _ = handle.join();
    }
}
