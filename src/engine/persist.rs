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
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(error) => {
            tracing::warn!(
                "cannot read the download queue {}: {error}; starting empty",
                path.display()
            );
            return Vec::new();
        }
    };
    match serde_json::from_str::<StateFile>(&text) {
        Ok(state) => state.downloads.into_iter().map(restore).collect(),
        Err(error) => {
            let aside = path.with_extension("corrupt.json");
            let _ = std::fs::rename(path, &aside);
            tracing::warn!(
                "the download queue {} is unreadable ({error}); kept as {} and starting empty",
                path.display(),
                aside.display()
            );
            Vec::new()
        }
    }
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
