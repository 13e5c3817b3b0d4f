//! What the manager tells observers (the window, the tray, `ctl events --follow`, socket
//! subscribers): status updates per pack in Apple's vocabulary, and app-level changes.

// Public items still to be documented (issue 12): the lead's next commit.
#![allow(missing_docs)]

use serde::{Deserialize, Serialize};

use crate::model::{PackError, StatusUpdate};

/// Something that happened to an app or one of its packs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagerEvent {
    /// Unix time in milliseconds.
    pub at_ms: u64,
    pub app: String,
    /// The pack, for pack events.
    pub pack: Option<String>,
    #[serde(flatten)]
    pub kind: ManagerEventKind,
}

/// The kinds of [`ManagerEvent`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "camelCase")]
pub enum ManagerEventKind {
    Registered,
    Unregistered,
    /// The manifest was fetched (or was unchanged, by ETag).
    #[serde(rename_all = "camelCase")]
    ManifestFetched {
        etag: Option<String>,
        changed: bool,
    },
    ManifestFailed {
        error: PackError,
    },
    /// A pack's status update (`began`, `paused`, `downloading`, `finished`, `failed`).
    Status {
        update: StatusUpdate,
    },
    Queued,
    Installing,
    Installed {
        version: u64,
    },
    Removed,
    #[serde(rename_all = "camelCase")]
    UpdateAvailable {
        installed: u64,
        available: u64,
    },
    Obsolete,
    /// Every essential pack is in: the app may launch.
    LaunchReady,
    /// The state changed in a way that needs no more detail (order, limits, languages).
    Changed,
}
