//! The first half of a delta's staging: a fresh staging folder holding a link to every installed
//! file that may be reused ([`begin`], while the changed entries are fetched), each then hashed
//! once, where it now is ([`verify`], while the fetched entries are inflated). Those that hold
//! the listed bytes keep their [`Stamp`]; the others are taken out of staging as they are found
//! and fetched instead ([`super::follow`]) while the rest are hashed.
//!
//! Reused files are hard-linked from the installed version (the old version's folder is retired
//! after the swap, the link keeps the file), or copied where links are not possible. A file
//! hashed here and written to before the swap (by the app, through the installed version's
//! path, which is the same file) no longer matches its stamp, and [`super::stage`] refuses the
//! new version. The staging folder belongs to [`Prepared`]: dropped before its swap, the folder
//! is deleted.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use super::list::FileList;
use super::reuse::{self, Found, Stamp};
use super::{PatchError, clock};
use crate::install::{InstallError, layout, lock, swap};

/// A staging folder with the reused files linked in (then hashed), the folder lock held.
#[derive(Debug)]
pub struct Prepared {
    container: PathBuf,
    staging: PathBuf,
    /// Files linked in staging, not yet hashed.
    linked: Vec<usize>,
    /// Files in staging that hold the listed bytes (indexes into the list), with their stamps.
    pub held: Vec<(usize, Option<Stamp>)>,
    /// Candidates that could not be linked or did not hold their bytes: fetched instead.
    pub refused: Vec<usize>,
    swapped: bool,
    _one_at_a_time: lock::FolderLock,
}

impl Prepared {
    /// The staging folder.
    pub fn staging(&self) -> &Path {
        &self.staging
    }

    /// The container.
    pub fn container(&self) -> &Path {
        &self.container
    }

    /// Swapped in: the folder is the installed version now, never deleted as staging.
    pub(super) fn mark_swapped(&mut self) {
        self.swapped = true;
    }
}

impl Drop for Prepared {
    fn drop(&mut self) {
        if !self.swapped {
            swap::discard(&self.container, &self.staging, false);
        }
    }
}

/// Begins the staging of `folder` in `container`: its folders, and links to the `candidates`
/// (indexes into `list`) from `installed` (the installed version's resolved folder). A candidate
/// that cannot be linked or copied is refused. Stops between files when `cancel` (the user's)
/// or `halt` (another part of the delta failed) is set.
pub fn begin(
    container: &Path,
    folder: &str,
    installed: &Path,
    list: &FileList,
    candidates: &[usize],
    cancel: &AtomicBool,
    halt: &AtomicBool,
) -> Result<Prepared, PatchError> {
    layout::check_folder(folder)?;
    layout::check_place(container, folder)?;
    let one_at_a_time =
        lock::FolderLock::acquire(container, folder, cancel).ok_or(PatchError::Cancelled)?;
    let staging = swap::prepare_staging(container, folder)?;
    let mut prepared = Prepared {
        container: container.to_path_buf(),
        staging,
        linked: Vec::with_capacity(candidates.len()),
        held: Vec::new(),
        refused: Vec::new(),
        swapped: false,
        _one_at_a_time: one_at_a_time,
    };
    let staging = prepared.staging.clone();
    let mut parents: Vec<&str> = list
        .files
        .iter()
        .filter_map(|f| f.path.rsplit_once('/').map(|(parent, _)| parent))
        .collect();
    parents.sort_unstable();
    parents.dedup();
    for parent in parents {
        let path = super::joined(&staging, parent);
        fs::create_dir_all(&path).map_err(InstallError::io("create the folder", &path))?;
    }
    for &at in candidates {
        if super::parts::stopped(cancel, halt) {
            return Err(PatchError::Cancelled);
        }
        let listed = &list.files[at];
        let (from, to) = (
            super::joined(installed, &listed.path),
            super::joined(&staging, &listed.path),
        );
        if fs::hard_link(&from, &to).is_ok() || copy_synced(&from, &to, listed.size).is_ok() {
            prepared.linked.push(at);
        } else {
            let _ = fs::remove_file(&to);
            prepared.refused.push(at);
        }
    }
    Ok(prepared)
}

/// Hashes every linked file where it is in staging: those with the listed bytes are held with
/// their stamps, the others taken out of staging as they are found and told to `refused` (their
/// index into the list; they are fetched instead, while the rest are still hashed). Stops with
/// [`PatchError::Cancelled`] once `stop` says so.
pub fn verify(
    prepared: &mut Prepared,
    list: &FileList,
    stop: &(dyn Fn() -> bool + Sync),
    refused: &(dyn Fn(usize) + Sync),
) -> Result<(), PatchError> {
    let staging = prepared.staging.clone();
    let root = fs::canonicalize(&staging).map_err(InstallError::io("resolve", &staging))?;
    // Stamps only for files whose times lie before a time the file system's clock gave out
    // after the links (which set each change time).
    let before = clock::moved_past(&root);
    let linked = std::mem::take(&mut prepared.linked);
    // The first file that could not be taken out of staging stops the hashing: its link would
    // stand where the fetched entry goes.
    let failed: Mutex<Option<PatchError>> = Mutex::new(None);
    let differs = |at: usize| {
        let path = &list.files[at].path;
        // Only within staging: never through a folder swapped for a link.
        let removed = crate::store::beneath::remove_file(&root, path);
        let staged = super::joined(&root, path);
        match removed {
            Ok(()) => refused(at),
            Err(error) => {
                if let Ok(mut failed) = failed.lock() {
                    failed.get_or_insert(InstallError::io("remove", &staged)(error).into());
                }
            }
        }
    };
    let stopped = || stop() || failed.lock().map_or(true, |failed| failed.is_some());
    let found = reuse::check(&root, list, &linked, before, &stopped, &differs);
    if let Some(error) = failed.into_inner().ok().flatten() {
        return Err(error);
    }
    let found = found.ok_or(PatchError::Cancelled)?;
    for (&at, found) in linked.iter().zip(found) {
        match found {
            Found::Holds(stamp) => prepared.held.push((at, stamp)),
            Found::Differs => prepared.refused.push(at),
        }
    }
    prepared.refused.sort_unstable();
    Ok(())
}

/// Copies the regular file `from` (never through a link, never more than `size` bytes and one)
/// to the new file `to`, and syncs the copy: where links are not possible. The copy is hashed
/// like a link before it may be reused.
fn copy_synced(from: &Path, to: &Path, size: u64) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // A link swapped in is refused, and a FIFO does not block the open.
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let source = options.open(from)?;
    if !source.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let mut out = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(to)?;
    std::io::copy(&mut source.take(size.saturating_add(1)), &mut out)?;
    out.sync_data()
}
