//! The manager's durable state: registered apps, the manifest each last fetched, and per pack
//! what was asked ([`Intent`]: wanted and by whom, paused, priority) apart from what was
//! observed ([`Observed`]: listed and installed versions, last error, timeline). Saved
//! atomically (`state.json`, versioned, compact) a few times a second at most; loaded
//! forgivingly, older versions migrated ([`v1`]). What is happening now (the engine's download,
//! a running install, the state shown) is [`Live`] and never saved: the engine's own queue
//! holds it and comes back with it.

mod file;
pub mod v1;

pub use file::{load, parse};

use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::mirror::Mirror;
use super::view::TimelineEntry;
use crate::model::{Activity, App, InstallationEvent, ManifestPack, PackError, Sha256Digest};

/// The state file's format version; older versions are kept in `tests/data/` and must load.
pub const STATE_VERSION: u32 = 2;

/// How many timeline entries a pack keeps.
pub const TIMELINE_LEN: usize = 64;

/// Everything the manager saves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagerState {
    /// The format version ([`STATE_VERSION`] once loaded).
    #[serde(default = "state_version")]
    pub version: u32,
    /// "Pause all": every pack without a pause of its own (or of its app) is paused, and a
    /// download that becomes due meanwhile starts paused.
    #[serde(default, skip_serializing_if = "is_false")]
    pub paused_all: bool,
    /// The registered apps by bundle id.
    #[serde(default)]
    pub apps: BTreeMap<String, AppRecord>,
}

fn is_false(value: &bool) -> bool {
    !*value
}

pub(super) fn state_version() -> u32 {
    STATE_VERSION
}

impl Default for ManagerState {
    fn default() -> Self {
        Self {
            version: STATE_VERSION,
            paused_all: false,
            apps: BTreeMap::new(),
        }
    }
}

impl ManagerState {
    /// Whether `pack` of `app` is paused by the user: its own pause, else its app's, else
    /// "pause all".
    pub fn is_paused(&self, app: &AppRecord, pack: &PackRecord) -> bool {
        pack.intent.paused.or(app.paused).unwrap_or(self.paused_all)
    }
}

/// One registered app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppRecord {
    /// The app as its Info.plist describes it.
    pub app: App,
    /// The Info.plist it was registered from.
    pub source: PathBuf,
    /// Its icon file, when it has one.
    #[serde(default)]
    pub icon: Option<PathBuf>,
    /// The installation event the app is in: first installation, or the update to its current
    /// `CFBundleVersion`.
    pub event: InstallationEvent,
    /// The manifest's ETag when it was last fetched.
    #[serde(default)]
    pub manifest_etag: Option<String>,
    /// The URL the manifest last came from (after redirects): relative pack URLs resolve
    /// against it. `None` until a manifest was read once.
    #[serde(default)]
    pub manifest_base: Option<url::Url>,
    /// When the manifest was last asked for (fetched or not).
    #[serde(default)]
    pub last_checked_ms: Option<u64>,
    /// Why the last manifest fetch failed, if it did.
    #[serde(default)]
    pub manifest_error: Option<PackError>,
    /// The user paused (`Some(true)`) or resumed (`Some(false)`) the whole app; `None` follows
    /// "pause all".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused: Option<bool>,
    /// Its packs by id.
    #[serde(default)]
    pub packs: BTreeMap<String, PackRecord>,
    /// Its own downloads (`BADownloadManager`) by identifier; absent from state files written
    /// before issue 14.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub downloads: BTreeMap<String, crate::manager::downloads::AppDownloadRecord>,
    /// The `CFBundleVersion` whose installation (or update) content request went to the app's
    /// downloader extension: asked once per version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_asked_for: Option<String>,
    /// The last time its downloader extension gave no answer, and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_error: Option<ExtensionFailure>,
}

/// A call of an app's downloader extension that gave no answer: the manager went on as if the
/// app had no extension for that event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtensionFailure {
    /// The extension (its path, or the connection).
    pub extension: String,
    /// The event it was asked (`shouldDownload`, `contentRequest`…).
    pub event: String,
    /// What went wrong: `hung`, `crashed`, `exitCode`, `garbage`…
    pub kind: String,
    /// The whole error, for people.
    pub message: String,
    /// When (Unix ms).
    pub at_ms: u64,
}

impl AppRecord {
    /// Whether a manifest was read at least once (fetched, or from the cache).
    pub fn manifest_known(&self) -> bool {
        self.manifest_base.is_some()
    }
}

/// One pack of one app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PackRecord {
    /// What the user, the app or the policy asked for.
    #[serde(default)]
    pub intent: Intent,
    /// What was seen.
    #[serde(default)]
    pub observed: Observed,
    /// What is happening now; not saved.
    #[serde(skip)]
    pub live: Live,
}

/// Who wants a pack installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum WantedBy {
    /// Its download policy (essential or prefetch) for the app's installation event.
    Policy,
    /// The app asked (`ensureLocalAvailability`).
    App,
    /// A person asked (Download in the window, `ctl ensure`).
    Person,
}

/// What was asked of a pack. Only the user or the app changes it (the policy once per
/// installation event); update checks and restarts never do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Intent {
    /// Wanted installed, and by whom; `None` once removed (by the user or the app).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wanted: Option<WantedBy>,
    /// Paused (`Some(true)`) or resumed (`Some(false)`) by the user; `None` follows the app and
    /// "pause all".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused: Option<bool>,
    /// Its place in the app's download order: higher first.
    #[serde(default)]
    pub priority: i64,
    /// Moved to the top by the user: its download may take a running one's slot.
    #[serde(default, skip_serializing_if = "is_false")]
    pub pinned: bool,
    /// The `CFBundleVersion` whose installation event this pack's policy was last applied for:
    /// a removal sticks until the app's next update.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_seen: Option<String>,
}

/// What was seen of a pack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Observed {
    /// How the current manifest lists it; `None` once the manifest stops listing it.
    #[serde(default)]
    pub listed: Option<ManifestPack>,
    /// Its index in the manifest (language fallback takes the first listed variant).
    #[serde(default)]
    pub manifest_index: usize,
    /// The installed version, if any.
    #[serde(default)]
    pub installed: Option<InstalledPack>,
    /// Installed but no longer listed, and told so (Apple's `obsolete`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub obsolete: bool,
    /// Attempts of the current or last download.
    #[serde(default)]
    pub attempts: u32,
    /// The last failure.
    #[serde(default)]
    pub last_error: Option<PackError>,
    /// The app's downloader extension's answer to `shouldDownload`, for one version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    /// What happened, oldest first (at most [`TIMELINE_LEN`]).
    #[serde(default)]
    pub timeline: VecDeque<TimelineEntry>,
}

/// The app's downloader extension's answer to `shouldDownload` for one version of a pack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    /// The version asked about.
    pub version: u64,
    /// Whether it may be downloaded.
    pub allowed: bool,
    /// The extension that answered, as people know it (its path, or "the running app").
    pub extension: String,
}

/// What is happening to a pack now: never saved.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Live {
    /// The engine's download of it, mirrored from the engine's events.
    pub download: Option<Mirror>,
    /// The version being installed.
    pub installing: Option<u64>,
    /// The version being installed by a delta update (fetching its changed files, then
    /// installing); also in `installing`.
    pub delta: Option<u64>,
    /// The version a delta update failed for: it is downloaded whole.
    pub delta_refused: Option<u64>,
    /// Failed for good until the user or the app asks again.
    pub failed: Option<PackError>,
    /// The version the app's extension is being asked about (`shouldDownload`).
    pub asking: Option<u64>,
    /// What the plan last decided to show.
    pub activity: Activity,
    /// Why, in a sentence.
    pub reason: String,
    /// Whether it is to be installed, as the plan resolved its intent.
    pub wanted: bool,
}

/// An installed version of a pack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstalledPack {
    /// The version.
    pub version: u64,
    /// The bytes its files take.
    pub bytes: u64,
    /// The archive's SHA-256.
    pub sha256: Sha256Digest,
    /// When it was installed (Unix ms).
    pub installed_at_ms: u64,
}

impl Intent {
    /// Whether the user or the app said something of the pack (paused or resumed it, pinned
    /// it, asked for it by name) that outlives its listing.
    pub fn holds_a_word(&self) -> bool {
        self.paused.is_some()
            || self.pinned
            || matches!(self.wanted, Some(WantedBy::App | WantedBy::Person))
    }
}

impl PackRecord {
    /// A record for a newly listed pack, `index` in its manifest.
    pub fn listed(pack: ManifestPack, index: usize) -> Self {
        let mut record = Self::default();
        record.intent.priority = -(index as i64);
        record.observed.listed = Some(pack);
        record.observed.manifest_index = index;
        record
    }

    /// Whether the listed version is installed.
    pub fn is_current(&self) -> bool {
        match (&self.observed.installed, &self.observed.listed) {
            (Some(installed), Some(listed)) => installed.version >= listed.version,
            _ => false,
        }
    }

    /// Adds a timeline entry, dropping the oldest beyond [`TIMELINE_LEN`].
    pub fn note(&mut self, what: &str, detail: impl Into<String>) {
        let timeline = &mut self.observed.timeline;
        timeline.push_back(TimelineEntry {
            at_ms: now_ms(),
            what: what.to_string(),
            detail: detail.into(),
        });
        while timeline.len() > TIMELINE_LEN {
            timeline.pop_front();
        }
    }
}

/// Unix time in milliseconds.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
