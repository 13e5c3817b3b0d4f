//! The installer: a verified pack archive goes into an app's container safely, and is swapped in
//! atomically.
//!
//! - [`entries`]: every entry of the central directory is checked before a byte is written:
//!   relative paths only (no `..`, absolute or drive-letter names, backslashes, NUL), regular
//!   files and folders only (no symlinks), stored or deflated only, no encryption, a local
//!   header that agrees with the central directory, at most 100 000 entries, and declared
//!   sizes within the limit, their sum never overflowing.
//! - [`names`]: entry names are UTF-8 header bytes with one name each, and no two are the same
//!   file once case and Unicode normalisation are ignored; [`central`] reads them as stored.
//! - Free space: before extraction starts, the declared total must fit in the free space of
//!   the container's file system, or the install is refused as `diskFull` unwritten.
//! - [`extract`]: two threads write the files into a staging folder, counting the bytes actually
//!   inflated (declared sizes can lie) and checking CRCs, and sync them before the swap.
//! - [`layout`]: the names bgassets gives in a container, and whether what is at a pack's place
//!   is bgassets' own (a folder or file of the user's there is refused, never moved or deleted).
//! - [`swap`]: `<container>/<folder>` is a symlink to `.versions/<folder>@<n>/`, replaced by
//!   renaming a new symlink over it, so a reader sees the old version or the new one, never
//!   half of one; removal, sizes and finding a file in an installed pack.
//! - [`retire`]: replaced versions deleted a moment after the swap, never a name reused.
//! - [`sweep`]: at start-up, what crashed installs left in a container is deleted.
//! - [`reader`]: the archive file shared by the extraction threads.
//! - [`lock`]: one install of a pack folder at a time (apps of one App Group share a container).
//! - `error`: [`InstallError`], each naming the archive or folder, the entry and the problem.
//!
//! The pack's own manifest (`.bgassets/pack.json`) is not installed: the installed folder holds
//! exactly the pack's files, as an app expects, and the manager records the installed version
//! in its state.
//!
//! Everything here blocks; async callers use `spawn_blocking`.

pub mod central;
pub mod entries;
mod error;
pub mod extract;
pub mod layout;
pub mod lock;
pub mod names;
pub mod reader;
pub mod retire;
pub mod swap;
pub mod sweep;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

pub use error::InstallError;
pub use swap::{installed_size, remove, resolve, wait_retired};

/// What to install where.
#[derive(Debug, Clone, Copy)]
pub struct InstallRequest<'a> {
    /// A verified pack archive.
    pub archive: &'a Path,
    /// The app's container folder, e.g. `<data>/containers/<group>`.
    pub container: &'a Path,
    /// The pack's folder in it: `PackId::folder_name()`, one path component.
    pub folder: &'a str,
    /// The most the extracted files may take: the manifest's install size, or what is left
    /// under a limit. An archive whose files declare, or turn out to hold, more is refused.
    pub max_install_size: u64,
}

/// What an install produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    /// `<container>/<folder>`.
    pub path: PathBuf,
    /// The files written (folders not counted).
    pub files: usize,
    /// Their bytes.
    pub bytes: u64,
}

/// Refuses an install whose declared size is more than the free space of the file system that
/// will hold `container` (measured at the nearest folder that exists).
fn check_space(archive: &Path, container: &Path, needed: u64) -> Result<(), InstallError> {
    let Some(folder) = container.ancestors().find(|folder| folder.is_dir()) else {
        return Ok(()); // nothing exists to measure: creating the container will say why
    };
    let available = fs4::available_space(folder)
        .map_err(InstallError::io("measure the free space of", folder))?;
    if fits(needed, available) {
        Ok(())
    } else {
        Err(InstallError::NoSpace {
            archive: archive.to_path_buf(),
            folder: folder.to_path_buf(),
            needed,
            available,
        })
    }
}

/// Whether `needed` bytes of files fit in `available` free bytes. Blocks and folders take a
/// little more than the files' bytes; extraction still stops at a full disk (`diskFull`, the
/// staging folder deleted), this check only spares writing what cannot fit.
fn fits(needed: u64, available: u64) -> bool {
    needed <= available
}

/// Installs `request.archive` as `request.container/request.folder`, replacing the installed
/// version atomically. Every entry is checked before anything is written; files are written
/// only under `<container>/.staging/`, and a failure deletes them and leaves the installed
/// version as it was.
pub fn install(request: &InstallRequest) -> Result<Installed, InstallError> {
    install_cancellable(request, &AtomicBool::new(false))
}

/// [`install`], stopped when `cancel` is set: it is checked between entries and before the
/// swap, and a cancelled install deletes what it wrote (its staging folder, and the container
/// if the install created it), leaving the installed version, if any, as it found it.
pub fn install_cancellable(
    request: &InstallRequest,
    cancel: &AtomicBool,
) -> Result<Installed, InstallError> {
    let started = std::time::Instant::now();
    layout::check_folder(request.folder)?;
    layout::check_place(request.container, request.folder)?;
    let zip = reader::open(request.archive)?;
    let plan = entries::check(request.archive, &zip, request.max_install_size)?;
    check_space(request.archive, request.container, plan.declared)?;
    let Some(_one_at_a_time) = lock::FolderLock::acquire(request.container, request.folder, cancel)
    else {
        return Err(InstallError::Cancelled {
            archive: request.archive.to_path_buf(),
        });
    };
    let new_container = !request.container.exists();
    let staging = swap::prepare_staging(request.container, request.folder)?;
    let done = extract::extract(request.archive, &zip, &plan, &staging, cancel).and_then(|done| {
        if cancel.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(InstallError::Cancelled {
                archive: request.archive.to_path_buf(),
            });
        }
        Ok((
            done,
            swap::swap_in(request.container, request.folder, &staging)?,
        ))
    });
    let (extracted, path) = match done {
        Ok(done) => done,
        Err(error) => {
            swap::discard(request.container, &staging, new_container);
            return Err(error);
        }
    };
    tracing::debug!(
        archive = %request.archive.display(),
        path = %path.display(),
        files = extracted.files,
        bytes = extracted.bytes,
        elapsed = ?started.elapsed(),
        "installed"
    );
    Ok(Installed {
        path,
        files: extracted.files,
        bytes: extracted.bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::fits;

    #[test]
    fn declared_bytes_fit_up_to_the_free_space() {
        assert!(fits(0, 0));
        assert!(fits(1000, 1000));
        assert!(!fits(1001, 1000));
        assert!(!fits(1, 0));
        assert!(fits(u64::MAX, u64::MAX));
    }
}
