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
    /// No pack of the app has this id.
    AssetPackNotFound,
    /// No file at this path in the installed pack.
    FileNotFound,
    // Unmanaged (`BAErrorCode`).
    /// A download request or a socket request is malformed.
    DownloadInvalid,
    /// A download with this id is already queued or running.
    DownloadAlreadyScheduled,
    /// A change that needs a scheduled download (a new priority, the top of the queue) asked
    /// of one that is finished or cancelled.
    DownloadNotScheduled,
    /// The engine could not be set up (a certificate, the HTTP client).
    DownloadFailedToStart,
    /// A change that needs a scheduled download asked of one that failed: resume it first.
    DownloadAlreadyFailed,
    /// Apple: an essential download scheduled outside the app's install or update: an app
    /// connection's `scheduleDownload` with `essential` (only a downloader extension's answer to
    /// an `install` or `update` content request may schedule one).
    DownloadEssentialDownloadNotPermitted,
    /// A pack's download, or an app download scheduled before the app's first launch, would
    /// exceed the app's download allowance.
    DownloadWouldExceedAllowance,
    /// No download has this id (an app download: no download of the app has this identifier).
    DownloadDoesNotExist,
    /// A URL's host is not in the app's `BADownloadDomainAllowList`.
    SessionDownloadDisallowedByDomain,
    /// Apple: a download larger than the app's `BADownloadAllowance`.
    /// Reserved for the unmanaged `BADownloadManager` API (issue 14); never produced today.
    SessionDownloadDisallowedByAllowance,
    /// Apple: the app's `BADownloadAllowance` is used up: a download of unknown size would
    /// bring more than the allowance left.
    SessionDownloadAllowanceExceeded,
    /// Apple: a non-essential download scheduled before the app first launched.
    /// Reserved for the unmanaged `BADownloadManager` API (issue 14); never produced today.
    SessionDownloadNotPermittedBeforeAppLaunch,
    /// The manager or the engine has stopped, or refused the connection.
    CallerConnectionNotAccepted,
    /// Apple: a call from an app process that is not in the foreground.
    /// Reserved for the unmanaged `BADownloadManager` API (issue 14); never produced today.
    CallFromInactiveProcessNotAllowed,
    /// Another holder has the app's exclusive control of its downloads
    /// (`acquireExclusiveControl`), and it was not released within the wait asked for: the
    /// acquire, or the queue change (`scheduleDownload`, `cancelDownload`,
    /// `startForegroundDownload`) that waited for it, is refused.
    DownloadsLocked,
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
    /// The app's downloader extension answered `shouldDownload: false` for the pack.
    VetoedByExtension,
    /// A file system operation failed for another reason.
    Io,
}

impl ErrorKind {
    /// Every kind, in declaration order.
    pub const ALL: [ErrorKind; 32] = [
        Self::AssetPackNotFound,
        Self::FileNotFound,
        Self::DownloadInvalid,
        Self::DownloadAlreadyScheduled,
        Self::DownloadNotScheduled,
        Self::DownloadFailedToStart,
        Self::DownloadAlreadyFailed,
        Self::DownloadEssentialDownloadNotPermitted,
        Self::DownloadWouldExceedAllowance,
        Self::DownloadDoesNotExist,
        Self::SessionDownloadDisallowedByDomain,
        Self::SessionDownloadDisallowedByAllowance,
        Self::SessionDownloadAllowanceExceeded,
        Self::SessionDownloadNotPermittedBeforeAppLaunch,
        Self::CallerConnectionNotAccepted,
        Self::CallFromInactiveProcessNotAllowed,
        Self::DownloadsLocked,
        Self::AppNotFound,
        Self::NotAuthorized,
        Self::HostNotAllowed,
        Self::Network,
        Self::Timeout,
        Self::HttpStatus,
        Self::ChecksumMismatch,
        Self::SizeMismatch,
        Self::DiskFull,
        Self::InstallSizeExceeded,
        Self::InvalidArchive,
        Self::InvalidManifest,
        Self::Cancelled,
        Self::VetoedByExtension,
        Self::Io,
    ];

    /// The code as it appears in JSON and in messages for people: `installSizeExceeded`.
    pub fn name(self) -> &'static str {
        match self {
            Self::AssetPackNotFound => "assetPackNotFound",
            Self::FileNotFound => "fileNotFound",
            Self::DownloadInvalid => "downloadInvalid",
            Self::DownloadAlreadyScheduled => "downloadAlreadyScheduled",
            Self::DownloadNotScheduled => "downloadNotScheduled",
            Self::DownloadFailedToStart => "downloadFailedToStart",
            Self::DownloadAlreadyFailed => "downloadAlreadyFailed",
            Self::DownloadEssentialDownloadNotPermitted => "downloadEssentialDownloadNotPermitted",
            Self::DownloadWouldExceedAllowance => "downloadWouldExceedAllowance",
            Self::DownloadDoesNotExist => "downloadDoesNotExist",
            Self::SessionDownloadDisallowedByDomain => "sessionDownloadDisallowedByDomain",
            Self::SessionDownloadDisallowedByAllowance => "sessionDownloadDisallowedByAllowance",
            Self::SessionDownloadAllowanceExceeded => "sessionDownloadAllowanceExceeded",
            Self::SessionDownloadNotPermittedBeforeAppLaunch => {
                "sessionDownloadNotPermittedBeforeAppLaunch"
            }
            Self::CallerConnectionNotAccepted => "callerConnectionNotAccepted",
            Self::CallFromInactiveProcessNotAllowed => "callFromInactiveProcessNotAllowed",
            Self::DownloadsLocked => "downloadsLocked",
            Self::AppNotFound => "appNotFound",
            Self::NotAuthorized => "notAuthorized",
            Self::HostNotAllowed => "hostNotAllowed",
            Self::Network => "network",
            Self::Timeout => "timeout",
            Self::HttpStatus => "httpStatus",
            Self::ChecksumMismatch => "checksumMismatch",
            Self::SizeMismatch => "sizeMismatch",
            Self::DiskFull => "diskFull",
            Self::InstallSizeExceeded => "installSizeExceeded",
            Self::InvalidArchive => "invalidArchive",
            Self::InvalidManifest => "invalidManifest",
            Self::Cancelled => "cancelled",
            Self::VetoedByExtension => "vetoedByExtension",
            Self::Io => "io",
        }
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
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
    /// The HTTP status the server answered, for an `httpStatus` error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
}

impl PackError {
    /// An error of `kind` explained by `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            http_status: None,
        }
    }

    /// The code and the sentence together, for a line a person reads:
    /// `installSizeExceeded — pack Music would bring …`.
    pub fn explain(&self) -> String {
        format!("{} — {}", self.kind, self.message)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_named_as_in_json() {
        for kind in ErrorKind::ALL {
            let json = serde_json::to_value(kind).unwrap();
            assert_eq!(json, serde_json::Value::String(kind.name().into()));
            assert_eq!(kind.to_string(), kind.name());
        }
    }

    #[test]
    fn an_explained_error_names_its_code_and_its_problem() {
        let error = PackError::new(ErrorKind::DiskFull, "no space left on /data");
        assert_eq!(error.explain(), "diskFull — no space left on /data");
    }
}
