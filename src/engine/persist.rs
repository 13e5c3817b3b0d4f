//! The engine's queue on disk: saved atomically after every change that matters, by a
//! [`Saver`] so the engine never waits for the disk (bursts of changes coalesce into one write), and
//! restored forgivingly: a missing file is an empty queue, an unreadable one is set aside with a
//! warning, and downloads that were running resume from their partial files.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::download::{Download, DownloadState};
use crate::store::saver::Saver;

/// The state file's format version.
pub const STATE_VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StateFile {
    version: u32,
    downloads: Vec<Download>,
}

/// Reads the queue saved at `path`, ready to resume.
pub fn load(path: &Path) -> Vec<Download> {
    let parse = |text: &str| serde_json::from_str::<StateFile>(text).map_err(|e| e.to_string());
    crate::store::forgiving::load(path, "the download queue", parse)
        .map(|state| state.downloads.into_iter().map(restore).collect())
        .unwrap_or_default()
}

/// A download as it was saved, made ready to continue: whatever was running is queued again and
/// its byte count comes from the partial file actually on disk.
fn restore(mut download: Download) -> Download {
    if download.state.is_active() || matches!(download.state, DownloadState::Retrying { .. }) {
        download.state = DownloadState::Queued;
    }
    if !download.state.is_terminal() {
        download.bytes_done = std::fs::metadata(download.request.partial_path())
            .map(|m| m.len())
            .unwrap_or(0);
    }
    download
}

/// Saves the queue in the background; the latest state always wins.
pub struct Persister {
    saver: Saver,
}

impl Persister {
    /// Starts saving to `path`.
    pub fn start(path: PathBuf) -> Self {
        Self {
            saver: Saver::start(path),
        }
    }

    /// Queues `downloads` to be saved.
    pub fn save<'a>(&self, downloads: impl IntoIterator<Item = &'a Download>) {
        let state = StateFile {
            version: STATE_VERSION,
            downloads: downloads.into_iter().cloned().collect(),
        };
        match serde_json::to_string_pretty(&state) {
            Ok(text) => self.saver.save(text),
            Err(error) => tracing::error!("cannot serialise the download queue: {error}"),
        }
    }

    /// Writes the last saved state and stops.
    pub async fn finish(self) {
        self.saver.finish().await;
    }
}
