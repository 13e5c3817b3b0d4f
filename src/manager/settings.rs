//! The manager's settings (`settings.json` in the config folder): download limits, preferred
//! languages, watched folders and the update period. Changed through the command vocabulary and
//! saved at once; a missing or unreadable file means the defaults.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::engine::Limits;

/// What a person can set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// Download limits: slots, per-host connections, bandwidth.
    pub limits: Limits,
    /// Preferred languages, best first; empty follows the environment.
    pub languages: Vec<String>,
    /// Folders scanned for apps, besides the config folder's `apps/`.
    pub watched_folders: Vec<PathBuf>,
    /// Seconds between automatic update checks.
    pub update_interval_seconds: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            languages: Vec::new(),
            watched_folders: Vec::new(),
            update_interval_seconds: 3600,
        }
    }
}

impl Settings {
    /// Reads `path`, falling back to the defaults (with a warning when the file is unreadable).
    pub fn load(path: &Path) -> Self {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).unwrap_or_else(|error| {
                tracing::warn!(
                    "{} is unreadable ({error}); using default settings",
                    path.display()
                );
                Self::default()
            }),
            Err(_) => Self::default(),
        }
    }

    /// Saves to `path` atomically.
    pub fn save(&self, path: &Path) {
        let written = serde_json::to_string_pretty(self)
            .map_err(std::io::Error::other)
            .and_then(|text| crate::store::write_atomically(path, text.as_bytes()));
        if let Err(error) = written {
            tracing::error!("cannot save the settings in {}: {error}", path.display());
        }
    }
}
