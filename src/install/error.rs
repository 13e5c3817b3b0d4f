//! Why an install or a lookup failed ([`InstallError`]), with the Background Assets error code
//! each one is reported as.

use std::path::{Path, PathBuf};

use crate::model::ErrorKind;

/// Why an install or a lookup failed. Each variant names the archive (or pack folder), the
/// entry where there is one, and the problem; messages include the OS error.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// An entry breaks a rule; nothing was installed.
    #[error("{archive}: entry `{entry}` {problem}")]
    Entry {
        /// The archive.
        archive: PathBuf,
        /// The entry's name as the archive spells it.
        entry: String,
        /// The rule it breaks.
        problem: String,
    },
    /// The archive as a whole is unusable (not a zip, too many entries…).
    #[error("{archive}: {problem}")]
    Archive {
        /// The archive.
        archive: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// The files would take more than the limit.
    #[error(
        "{archive}: {} take {needed} bytes, more than the {limit} bytes allowed",
        entry.as_ref().map_or("its files".into(), |e| format!("the files up to entry `{e}`"))
    )]
    TooLarge {
        /// The archive.
        archive: PathBuf,
        /// The entry at which the total went over.
        entry: Option<String>,
        /// The bytes the files would take.
        needed: u64,
        /// The most allowed.
        limit: u64,
    },
    /// The files declare more bytes than the container's file system has free.
    #[error(
        "{archive}: its files declare {needed} bytes, but the file system holding {} has only \
         {available} bytes free; nothing was written",
        folder.display()
    )]
    NoSpace {
        /// The archive.
        archive: PathBuf,
        /// The container, or the nearest existing folder above it, whose space was measured.
        folder: PathBuf,
        /// The bytes the files declare.
        needed: u64,
        /// The bytes free on that file system.
        available: u64,
    },
    /// A file system operation failed.
    #[error("cannot {action} {path}: {error}")]
    Io {
        /// What was being done (`create`, `rename`…).
        action: &'static str,
        /// The path it was done to.
        path: PathBuf,
        /// The OS error.
        error: std::io::Error,
    },
    /// The pack folder name given is not one plain path component.
    #[error("`{folder}` is not a pack folder name: {problem}")]
    InvalidFolder {
        /// The name given.
        folder: String,
        /// Why it is not one.
        problem: String,
    },
    /// Something bgassets did not make (a folder or file of the user's, a link pointing
    /// elsewhere) is at the pack's place: it is never moved or deleted.
    #[error(
        "{path} is {found} that bgassets did not make: it was left as it is; move or rename it, \
         then try again"
    )]
    Occupied {
        /// The pack's place.
        path: PathBuf,
        /// What is there, for people (`a folder`, `a symlink to …`).
        found: String,
    },
    /// The install was cancelled (the pack was removed meanwhile); nothing was installed.
    #[error("{archive}: the install was cancelled; nothing was installed")]
    Cancelled {
        /// The archive that was being installed.
        archive: PathBuf,
    },
    /// No such file in the installed pack, no pack installed, or a path that could only name
    /// something outside it.
    #[error("`{relative}` is not a file of the pack installed at {pack}")]
    NotFound {
        /// The installed pack's folder.
        pack: PathBuf,
        /// The path asked for, relative to it.
        relative: String,
    },
}

impl InstallError {
    /// The Background Assets error code.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Entry { .. } | Self::Archive { .. } => ErrorKind::InvalidArchive,
            Self::TooLarge { .. } => ErrorKind::InstallSizeExceeded,
            Self::NoSpace { .. } => ErrorKind::DiskFull,
            Self::NotFound { .. } => ErrorKind::FileNotFound,
            Self::Cancelled { .. } => ErrorKind::Cancelled,
            Self::Io { error, .. } if is_disk_full(error) => ErrorKind::DiskFull,
            Self::Io { .. } | Self::InvalidFolder { .. } | Self::Occupied { .. } => ErrorKind::Io,
        }
    }

    pub(crate) fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.to_path_buf();
        move |error| Self::Io {
            action,
            path,
            error,
        }
    }
}

fn is_disk_full(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    )
}
