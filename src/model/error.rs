//! The error kinds of Background Assets, as data: carried in pack states, status updates, socket
//! replies and reports. Names are Apple's where Apple has one (camelCase in JSON), plus the
//! download failures a desktop manager meets (`checksumMismatch`, `diskFull`, `httpStatus`…).

use serde::{Deserialize, Serialize};

use super::PackId;

/// Why something failed, as a stable machine-readable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ErrorKind {
    // Managed (`ManagedBackgroundAssetsError`).
    /// The manifest lists no asset pack with this id.
    AssetPackNotFound,
    /// The asset pack holds no file at this path.
    FileNotFound,
    // Unmanaged (`BAErrorCode`).
    /// The download request is malformed (its URL, destination or size).
    DownloadInvalid,
    /// A download with this identifier is already scheduled.
    DownloadAlreadyScheduled,
    /// The download is not scheduled, so it cannot be changed.
    DownloadNotScheduled,
    /// The download could not start (its HTTP client or certificates).
    DownloadFailedToStart,
    /// The download has already failed.
    DownloadAlreadyFailed,
    /// An essential download was asked for outside an installation or update.
    DownloadEssentialDownloadNotPermitted,
    /// The download would exceed the app's download allowance.
    DownloadWouldExceedAllowance,
    /// No download has this identifier.
    DownloadDoesNotExist,
    /// The URL's host is not among the app's allowed domains.
    SessionDownloadDisallowedByDomain,
    /// The app's download allowance does not permit this download.
    SessionDownloadDisallowedByAllowance,
    /// The app has used up its download allowance.
    SessionDownloadAllowanceExceeded,
    /// This download may not start before the app is first launched.
    SessionDownloadNotPermittedBeforeAppLaunch,
    /// The caller's connection was not accepted (or the manager has stopped).
    CallerConnectionNotAccepted,
    /// The call came from a process that is not active.
    CallFromInactiveProcessNotAllowed,
    // bgassets: what goes wrong on the way from a server to a container.
    /// No registered app has this bundle id.
    AppNotFound,
    /// The socket connection's role does not allow the request: it has not said `hello`, offered
    /// a wrong capability, or, as an app, named another app or a controller's request.
    NotAuthorized,
    /// The manifest or pack URL's host is not in `BADownloadDomainAllowList`, or the URL is not
    /// HTTPS where HTTPS is required.
    HostNotAllowed,
    /// The server could not be reached or the connection broke.
    Network,
    /// No byte arrived for too long, or the server took too long to answer.
    Timeout,
    /// The server answered an HTTP error status.
    HttpStatus,
    /// The download's SHA-256 differs from the manifest's.
    ChecksumMismatch,
    /// The download's size differs from the manifest's.
    SizeMismatch,
    /// No space left on the disk holding partial files or containers.
    DiskFull,
    /// An installed size would exceed `BAMaxInstallSize` or `BAEssentialMaxInstallSize`.
    InstallSizeExceeded,
    /// The archive is not a valid pack (hostile paths, bad compression, too large…).
    InvalidArchive,
    /// A manifest or Info.plist could not be read.
    InvalidManifest,
    /// The download was cancelled.
    Cancelled,
    /// A file system operation failed for another reason.
    Io,
}

/// An error attached to a pack: a code and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("{message}")]
pub struct PackError {
    /// The error code, as Apple's API names it.
    pub kind: ErrorKind,
    /// What went wrong, for people (it names the file, URL or limit).
    pub message: String,
}

impl PackError {
    /// An error of `kind` explained by `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// Whether trying again later may succeed (network trouble, timeouts, a full disk).
    pub fn is_transient(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Network | ErrorKind::Timeout | ErrorKind::DiskFull
        )
    }
}

/// The errors of the managed API (`ManagedBackgroundAssetsError`), with the pack id Apple carries
/// under `BAAssetPackIdentifierErrorKey`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ManagedError {
    /// No asset pack has this id.
    #[error("asset pack `{id}` not found")]
    #[serde(rename_all = "camelCase")]
    AssetPackNotFound {
        /// The pack id asked for.
        id: String,
    },
    /// The asset pack has no file at this path.
    #[error("file `{path}` not found in asset pack `{id}`")]
    #[serde(rename_all = "camelCase")]
    FileNotFound {
        /// The asset pack.
        id: String,
        /// The path asked for, relative to the pack.
        path: String,
    },
}

impl ManagedError {
    /// `assetPackNotFound` for `id`.
    pub fn pack_not_found(id: &PackId) -> Self {
        Self::AssetPackNotFound { id: id.to_string() }
    }

    /// The error's code.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::AssetPackNotFound { .. } => ErrorKind::AssetPackNotFound,
            Self::FileNotFound { .. } => ErrorKind::FileNotFound,
        }
    }
}
