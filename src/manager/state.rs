//! The manager's durable state: registered apps, the manifest each last fetched, and per pack
//! what is installed and what the manager wants. Saved atomically (`state.json`, versioned) after
//! every change that matters; loaded forgivingly. Activity (what is downloading now) is not
//! saved here: the engine's own queue holds it and comes back with it.

// Public items still to be documented (issue 12): the lead's next commit.
#![allow(missing_docs)]

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::view::TimelineEntry;
use crate::model::{Activity, App, InstallationEvent, ManifestPack, PackError, Sha256Digest};

/// The state file's format version; older versions are kept in `tests/data/` and must load.
pub const STATE_VERSION: u32 = 1;

/// How many timeline entries a pack keeps.
pub const TIMELINE_LEN: usize = 64;

/// Everything the manager saves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagerState {
    #[serde(default = "state_version")]
    pub version: u32,
    #[serde(default)]
    pub apps: BTreeMap<String, AppRecord>,
}

fn state_version() -> u32 {
    STATE_VERSION
}

impl Default for ManagerState {
    fn default() -> Self {
        Self {
            version: STATE_VERSION,
            apps: BTreeMap::new(),
        }
    }
}

/// One registered app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppRecord {
    pub app: App,
    /// The Info.plist it was registered from.
    pub source: PathBuf,
    #[serde(default)]
    pub icon: Option<PathBuf>,
    /// The installation event the app is in: first installation, or the update to its current
    /// `CFBundleVersion`.
    pub event: InstallationEvent,
    #[serde(default)]
    pub manifest_etag: Option<String>,
    /// The URL the manifest last came from (after redirects): relative pack URLs resolve
    /// against it.
    #[serde(default)]
    pub manifest_base: Option<url::Url>,
    #[serde(default)]
    pub last_checked_ms: Option<u64>,
    #[serde(default)]
    pub manifest_error: Option<PackError>,
    #[serde(default)]
    pub packs: BTreeMap<String, PackRecord>,
}

/// One pack of one app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackRecord {
    /// How the current manifest lists it; `None` once the manifest stops listing it.
    pub listed: Option<ManifestPack>,
    /// The installed version, if any.
    #[serde(default)]
    pub installed: Option<InstalledPack>,
    /// The manager means to have the listed version installed (its policy asked, or an app or
    /// a person did); a person removing the pack clears it.
    #[serde(default)]
    pub wanted: bool,
    /// The `CFBundleVersion` whose installation event this pack's policy was last applied for:
    /// a person's removal sticks until the app's next update.
    #[serde(default)]
    pub policy_seen: Option<String>,
    /// Its place in the app's download order: higher first.
    #[serde(default)]
    pub priority: i64,
    /// The version removed because the manifest stopped listing it.
    #[serde(default)]
    pub obsolete_removed: Option<u64>,
    #[serde(default)]
    pub attempts: u32,
    #[serde(default)]
    pub last_error: Option<PackError>,
    #[serde(default)]
    pub timeline: VecDeque<TimelineEntry>,
    /// What is happening now, mirrored from the engine; not saved.
    #[serde(skip)]
    pub activity: Activity,
}

/// An installed version of a pack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstalledPack {
    pub version: u64,
    pub bytes: u64,
    pub sha256: Sha256Digest,
    pub installed_at_ms: u64,
}

impl PackRecord {
    /// A record for a newly listed pack.
    pub fn listed(pack: ManifestPack) -> Self {
        Self {
            listed: Some(pack),
            installed: None,
            wanted: false,
            policy_seen: None,
            priority: 0,
            obsolete_removed: None,
            attempts: 0,
            last_error: None,
            timeline: VecDeque::new(),
            activity: Activity::Idle,
        }
    }

    /// Whether the listed version is installed.
    pub fn is_current(&self) -> bool {
        match (&self.installed, &self.listed) {
            (Some(installed), Some(listed)) => installed.version >= listed.version,
            _ => false,
        }
    }

    /// Adds a timeline entry, dropping the oldest beyond [`TIMELINE_LEN`].
    pub fn note(&mut self, what: &str, detail: impl Into<String>) {
        self.timeline.push_back(TimelineEntry {
            at_ms: now_ms(),
            what: what.to_string(),
            detail: detail.into(),
        });
        while self.timeline.len() > TIMELINE_LEN {
            self.timeline.pop_front();
        }
    }
}

/// Unix time in milliseconds.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Reads the state at `path`: a missing file is an empty state; an unreadable one is set aside
/// (`state.corrupt.json`) with a warning, and installed files stay where they are.
pub fn load(path: &Path) -> ManagerState {
    crate::store::forgiving::load(path, "the manager's state", parse).unwrap_or_default()
}

/// Parses a state file of any version this bgassets knows.
pub fn parse(text: &str) -> Result<ManagerState, String> {
    let state: ManagerState = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if state.version > STATE_VERSION {
        return Err(format!(
            "state version {} is newer than this bgassets ({STATE_VERSION})",
            state.version
        ));
    }
    let mut apps = state.apps;
    apps.retain(|key, record| {
        let same = key == record.app.bundle_id.as_str();
        if !same {
            tracing::warn!(
                "the state lists app `{}` under the key `{}`; that entry is dropped",
                record.app.bundle_id,
                key.escape_debug()
            );
        }
        same
    });
    Ok(ManagerState {
        version: STATE_VERSION,
        apps,
    })
}
