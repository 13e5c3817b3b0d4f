//! The installer: a verified pack archive goes into an app's container safely and is swapped in
//! atomically.
//!
//! - [`entries`]: every entry of the archive is checked before a byte is written: relative paths
//!   only (no `..`, absolute or drive-letter names, backslashes, NUL), regular files and folders
//!   only (no symlinks), stored or deflated only, no encryption, no duplicates (also ignoring
//!   case), a bounded number of entries, and a declared total within the install size.
//! - [`extract`]: the files are written into a staging folder by two threads (a size bomb whose
//!   declared sizes lie is stopped by counting the bytes actually inflated; CRCs are checked),
//!   each file synced before the swap.
//! - [`swap`]: `<container>/<folder>` is a symlink to `<container>/.versions/<folder>@<n>/`,
//!   replaced atomically by renaming a new symlink over it, so a reader sees the old version or
//!   the new one, never half of one, and open files of the old version stay readable. On Windows
//!   the folder itself is renamed away and the new one renamed in (a moment with no folder).

pub mod entries;
pub mod extract;
pub mod swap;

use std::path::{Path, PathBuf};

use crate::model::ErrorKind;

pub use swap::{installed_size, remove, resolve};

/// What to install where.
#[derive(Debug, Clone, Copy)]
pub struct InstallRequest<'a> {
    /// A verified pack archive.
    pub archive: &'a Path,
    /// The app's container folder.
    pub container: &'a Path,
    /// The pack's folder in it (`PackId::folder_name()`, one path component).
    pub folder: &'a str,
    /// The most the extracted files may take (the manifest's install size, or what is left
    /// under a limit).
    pub max_install_size: u64,
}

/// What an install produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    /// `<container>/<folder>`.
    pub path: PathBuf,
    pub files: usize,
    pub bytes: u64,
}

/// Why an install (or a lookup) failed. Every variant names the archive or folder.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("{archive}: entry `{entry}`: {problem}")]
    Entry {
        archive: PathBuf,
        entry: String,
        problem: String,
    },
    #[error("{archive}: {problem}")]
    Archive { archive: PathBuf, problem: String },
    #[error("{archive}: the files would take more than {limit} bytes")]
    TooLarge { archive: PathBuf, limit: u64 },
    #[error("{action} {path}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{relative}` is not in the installed pack at {folder}")]
    NotFound { folder: PathBuf, relative: String },
}

impl InstallError {
    /// The Background Assets error code.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Entry { .. } | Self::Archive { .. } => ErrorKind::InvalidArchive,
            Self::TooLarge { .. } => ErrorKind::InstallSizeExceeded,
            Self::NotFound { .. } => ErrorKind::FileNotFound,
            Self::Io { source, .. } if is_disk_full(source) => ErrorKind::DiskFull,
            Self::Io { .. } => ErrorKind::Io,
        }
    }

    pub(crate) fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.to_path_buf();
        move |source| Self::Io {
            action,
            path,
            source,
        }
    }
}

fn is_disk_full(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    ) || error.raw_os_error() == Some(28)
}

/// Installs `request.archive` into `request.container/request.folder`, replacing any installed
/// version atomically. Nothing is written outside `<container>/.staging/` until the swap, and
/// a failure leaves the previous version as it was.
pub fn install(request: &InstallRequest) -> Result<Installed, InstallError> {
    let plan = entries::check(request.archive, request.max_install_size)?;
    let staging = swap::prepare_staging(request.container, request.folder)?;
    let result = extract::extract(request.archive, &plan, &staging);
    let (files, bytes) = match result {
        Ok(done) => done,
        Err(error) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(error);
        }
    };
    let path = swap::swap_in(request.container, request.folder, &staging)?;
    Ok(Installed { path, files, bytes })
}
