//! What the manager shows: the `ctl status --json` document, also what the desktop window and
//! the inspector render. A stable schema (`schema: 1`), camelCase, documented in
//! `docs/protocol.md`; fields are only ever added.

use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::engine::Limits;
use crate::model::{Activity, DownloadPolicy, PackError, PackKind, Progress, StatusFlags};

/// The schema version of [`StatusDocument`].
pub const STATUS_SCHEMA: u32 = 1;

/// Every app and pack at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusDocument {
    /// The document's schema version ([`STATUS_SCHEMA`]).
    pub schema: u32,
    /// Which publication of the manager's this is (`statusChanges` asks what changed since
    /// one); 0 before the first. Only meaningful to the manager that published it.
    #[serde(default)]
    pub generation: u64,
    /// Unix time in milliseconds.
    pub generated_at_ms: u64,
    /// The download limits in force.
    pub limits: Limits,
    /// The preferred languages in force, best first.
    pub languages: Vec<String>,
    /// Bytes free on the disk holding the data dir (its containers and partial downloads), as
    /// last measured (every 2 s at most while the document changes, every minute while
    /// nothing does: `manager::disk`); `None` until measured or when it cannot be.
    #[serde(default)]
    pub free_bytes: Option<u64>,
    /// Every registered app, by bundle id.
    pub apps: Vec<AppView>,
}

/// One registered app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppView {
    /// The app's `CFBundleIdentifier`.
    pub bundle_id: String,
    /// The app's display name.
    pub name: String,
    /// The app's `CFBundleShortVersionString`, when it has one.
    pub short_version: Option<String>,
    /// The app's `CFBundleVersion`: a change is an app update.
    pub bundle_version: String,
    /// The Info.plist it was registered from.
    pub source: PathBuf,
    /// An icon file, when the app has one.
    pub icon: Option<PathBuf>,
    /// Where the app's manifest is read from (`BAManifestURL`).
    pub manifest_url: String,
    /// The manifest's ETag when it was last fetched.
    pub manifest_etag: Option<String>,
    /// When the manifest was last checked (Unix time in milliseconds).
    pub last_checked_ms: Option<u64>,
    /// Why the last manifest fetch failed, if it did.
    pub manifest_error: Option<PackError>,
    /// The folder the app's packs are installed in.
    pub container: PathBuf,
    /// Every essential pack for the current installation event is installed, or failed for
    /// good: as on Apple's system, a failed essential download does not keep the app from
    /// launching; the app must cope (and may ask for the pack again).
    pub launch_ready: bool,
    /// Why the app may launch or not, in a sentence.
    #[serde(default)]
    pub launch_reason: String,
    /// Essential packs still downloading or queued, and essential app downloads still to come
    /// (as `download:IDENTIFIER`).
    pub waiting_for: Vec<String>,
    /// Essential packs whose download failed for good (the app launches without them).
    pub essential_failed: Vec<String>,
    /// `firstInstallation` or `subsequentUpdate`: the event the app's policies apply to.
    pub installation_event: crate::model::InstallationEvent,
    /// Bytes used by installed packs.
    pub disk_used: u64,
    /// The downloader extension its Info.plist names (`BGAssetsDownloaderExtension`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    /// The last time its downloader extension (that one, or a running app registered as its
    /// extension) gave no answer, and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_error: Option<super::state::ExtensionFailure>,
    /// The app's packs, in download order. Each is shared between the documents the manager
    /// publishes until that pack changes, so a publication copies pointers, not 10,000 packs
    /// (serialised as the pack itself).
    pub packs: Vec<Arc<PackView>>,
    /// The app's own downloads (`BADownloadManager`), by identifier.
    #[serde(default)]
    pub downloads: Vec<crate::manager::downloads::AppDownloadView>,
}

/// One pack of one app: everything the manager and the engine know about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackView {
    /// The app's bundle id.
    pub app: String,
    /// The pack's id (`assetPackID`).
    pub id: String,
    /// The pack's display name.
    pub name: String,
    /// What the pack holds (levels, audio, …), for its icon.
    pub kind: PackKind,
    /// When the pack downloads: essential, prefetch or on demand.
    pub policy: DownloadPolicy,
    /// The installed version, if any.
    pub installed_version: Option<u64>,
    /// The version the manifest lists, if it lists the pack.
    pub listed_version: Option<u64>,
    /// What is happening to the pack now.
    pub activity: Activity,
    /// Why the pack is in this state, in a sentence: "waiting for a download slot", "paused by
    /// you", "starts once the app's essential packs are in: Tutorial"…
    #[serde(default)]
    pub reason: String,
    /// Apple's status flags, derived from the versions and the activity.
    pub flags: StatusFlags,
    /// Bytes of the current or last transfer.
    pub progress: Progress,
    /// Seconds left at the current speed, while downloading.
    pub eta_seconds: Option<u64>,
    /// The archive's size in bytes, as the manifest says.
    pub download_size: u64,
    /// The installed files' size in bytes, as the manifest says.
    pub install_size: u64,
    /// Bytes the installed version takes.
    pub installed_bytes: u64,
    /// The archive's URL as resolved against the manifest.
    pub url: Option<String>,
    /// The archive's ETag, once the server sent one.
    pub etag: Option<String>,
    /// The partial file, while one exists.
    pub partial_path: Option<PathBuf>,
    /// Bytes in the partial file.
    pub partial_bytes: u64,
    /// Where the installed files are.
    pub path: Option<PathBuf>,
    /// Attempts made at the current download.
    pub attempts: u32,
    /// The last error, kept after a later success for the inspector.
    pub last_error: Option<PackError>,
    /// The languages a language variant is for (BCP 47 tags).
    pub languages: Vec<String>,
    /// The group of language variants the pack belongs to.
    pub localization_group: Option<String>,
    /// For a language variant: whether it is the one chosen for the preferred languages.
    pub chosen_variant: bool,
    /// The manager means to have it installed (its policy, an app or a person asked for it).
    pub wanted: bool,
    /// Paused by the user (the pack itself, its app, or everything).
    #[serde(default)]
    pub paused: bool,
    /// Place in the app's download order (0 first).
    pub order: usize,
    /// Moved to the top by a person: first in the order, its download before every other.
    #[serde(default)]
    pub pinned: bool,
    /// The manifest's free-form `userInfo` for the pack.
    pub user_info: Option<serde_json::Value>,
    /// What happened to the pack, oldest first (bounded).
    pub timeline: Vec<TimelineEntry>,
}

/// One step in a pack's life.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEntry {
    /// Unix time in milliseconds.
    pub at_ms: u64,
    /// A short name: `queued`, `began`, `resumed`, `paused`, `retrying`, `verifying`,
    /// `installing`, `finished`, `failed`, `removed`, `updateAvailable`, `obsolete`…
    pub what: String,
    /// Details for people.
    pub detail: String,
}

impl StatusDocument {
    /// A document with no app yet (before the manager's first publication).
    pub fn empty(limits: Limits) -> Self {
        Self {
            schema: STATUS_SCHEMA,
            generation: 0,
            generated_at_ms: 0,
            limits,
            languages: Vec::new(),
            free_bytes: None,
            apps: Vec::new(),
        }
    }

    /// The app `bundle_id`.
    pub fn app(&self, bundle_id: &str) -> Option<&AppView> {
        self.apps.iter().find(|a| a.bundle_id == bundle_id)
    }

    /// The pack `pack` of `app`.
    pub fn pack(&self, app: &str, pack: &str) -> Option<&PackView> {
        self.app(app)?
            .packs
            .iter()
            .find(|p| p.id == pack)
            .map(Arc::as_ref)
    }
}
