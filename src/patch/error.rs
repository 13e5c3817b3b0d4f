//! Why a delta update did not happen: each variant names the URL or file and what was found.

use std::path::PathBuf;

use crate::install::InstallError;
use crate::model::{ErrorKind, InputError, Sha256Digest};

/// Why a delta update did not happen. Each names the URL or file and what was found.
#[derive(Debug, thiserror::Error)]
pub enum PatchError {
    /// No installed version to start from.
    #[error("no installed version of `{folder}` to update from")]
    NotInstalled {
        /// The pack's folder.
        folder: String,
    },
    /// The server (or the allow list) refused or broke a request.
    #[error("{url}: {problem}")]
    Origin {
        /// The URL, without credentials.
        url: String,
        /// What happened.
        problem: String,
    },
    /// The file list's bytes are not the ones the manifest lists.
    #[error("{url}: the file list's SHA-256 is {found}, but the manifest lists {expected}")]
    ListDigest {
        /// The list's URL.
        url: String,
        /// What the manifest says.
        expected: Sha256Digest,
        /// What arrived.
        found: Sha256Digest,
    },
    /// The file list is not valid.
    #[error("the file list is refused: {0}")]
    List(#[from] InputError),
    /// Too much changed, or nothing can be reused.
    #[error("a delta is not worth it: {reason}")]
    NotWorth {
        /// Why.
        reason: String,
    },
    /// The new archive's directory does not allow a delta (or disagrees with the list).
    #[error("{url}: {problem}")]
    Archive {
        /// The archive's URL.
        url: String,
        /// What is wrong.
        problem: String,
    },
    /// A fetched entry does not match the list: nothing of it was installed.
    #[error("{url}: entry `{entry}` {problem}; nothing of it was installed")]
    Mismatch {
        /// The archive's URL.
        url: String,
        /// The entry.
        entry: String,
        /// What differs.
        problem: String,
    },
    /// Building or swapping in the new version failed.
    #[error(transparent)]
    Install(#[from] InstallError),
    /// A local file operation failed.
    #[error("cannot {action} {path}: {error}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// To what.
        path: PathBuf,
        /// The OS error.
        error: std::io::Error,
    },
    /// The pack was paused or removed meanwhile; nothing was installed.
    #[error("the delta update was stopped; nothing was installed")]
    Cancelled,
}

impl PatchError {
    /// The Background Assets error code, for the rare case the failure is the pack's own (a
    /// cancelled update, a full disk); every other failure leads to the whole archive.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Cancelled => ErrorKind::Cancelled,
            Self::Install(e) => e.kind(),
            _ => ErrorKind::Network,
        }
    }
}
