//! What the manager tells observers (the window, the tray, `ctl events --follow`, socket
//! subscribers): status updates per pack in Apple's vocabulary, and app-level changes.

use serde::{Deserialize, Serialize};

use crate::model::{PackError, StatusUpdate};

/// Something that happened to an app or one of its packs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagerEvent {
    /// Unix time in milliseconds.
    pub at_ms: u64,
    /// The app's bundle id (empty for manager-wide changes: limits, languages).
    pub app: String,
    /// The pack, for pack events.
    pub pack: Option<String>,
    #[serde(flatten)]
    /// What happened.
    pub kind: ManagerEventKind,
}

/// The kinds of [`ManagerEvent`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "camelCase")]
pub enum ManagerEventKind {
    /// The app was registered, or registered again with a new version.
    Registered,
    /// The app was unregistered and its packs removed.
    Unregistered,
    /// The manifest was fetched (or was unchanged, by ETag).
    #[serde(rename_all = "camelCase")]
    ManifestFetched {
        /// The manifest's ETag, when the server sent one.
        etag: Option<String>,
        /// False when the server answered 304 (the cached manifest stands).
        changed: bool,
    },
    /// The manifest could not be fetched or read.
    ManifestFailed {
        /// Why.
        error: PackError,
    },
    /// A pack's status update (`began`, `paused`, `downloading`, `finished`, `failed`).
    Status {
        /// The update, in Apple's vocabulary.
        update: StatusUpdate,
    },
    /// The pack's download was queued.
    Queued,
    /// The pack's download finished and its install began.
    Installing,
    /// A version of the pack was installed.
    Installed {
        /// The version now installed.
        version: u64,
    },
    /// A delta update of the pack began, ended, or gave way to the whole archive
    /// (`fellBack`, with the reason in `detail`).
    #[serde(rename_all = "camelCase")]
    Delta {
        /// What happened, for people: the bytes fetched and files reused, or why not.
        detail: String,
        /// True when the whole archive is downloaded instead.
        fell_back: bool,
    },
    /// An install stopped before it swapped anything in (the pack was removed, or is no longer
    /// wanted): nothing of it was installed, and what was installed before stays.
    InstallCancelled,
    /// The app's downloader extension gave no answer to `event` (hung, crashed, exited with an
    /// error, answered garbage…): the manager went on as if the app had no extension for it.
    #[serde(rename_all = "camelCase")]
    ExtensionFailed {
        /// The event asked (`shouldDownload`, `contentRequest`…).
        asked: String,
        /// The error's kind (`hung`, `crashed`, `exitCode`, `garbage`…).
        kind: String,
        /// The whole error, naming the extension and the app.
        message: String,
    },
    /// The pack's files were removed.
    Removed,
    #[serde(rename_all = "camelCase")]
    /// The manifest lists a newer version than the one installed.
    UpdateAvailable {
        /// The version installed.
        installed: u64,
        /// The version listed.
        available: u64,
    },
    /// The pack is installed but no longer listed.
    Obsolete,
    /// Every essential pack is in: the app may launch.
    LaunchReady,
    /// The state changed in a way that needs no more detail (order, limits, languages).
    Changed,
    /// One of the app's own downloads moved (`pack` is absent).
    #[serde(rename_all = "camelCase")]
    DownloadStatus {
        /// The download's identifier.
        identifier: String,
        /// `waiting`, `downloading`, `finished` or `failed`.
        state: String,
        /// Bytes done and the total, while it downloads.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        progress: Option<crate::model::Progress>,
        /// Where the file is, once finished.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        path: Option<std::path::PathBuf>,
        /// Why it failed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<PackError>,
    },
}
