//! The engine's queue on disk: saved atomically after every change that matters, by a task of its
//! own so the engine never waits for the disk (bursts of changes coalesce into one write), and
//! restored forgivingly: a missing file is an empty queue, an unreadable one is set aside with a
//! warning, and downloads that were running resume from their partial files.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use super::download::{Download, DownloadState};
use crate::store::write_atomically;

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

/// Saves snapshots of the queue in the background; the latest one always wins.
pub struct Persister {
    latest: watch::Sender<Option<String>>,
    task: tokio::task::JoinHandle<()>,
}

impl Persister {
    /// Starts saving to `path`.
    pub fn start(path: PathBuf) -> Self {
        let (latest, mut receiver) = watch::channel::<Option<String>>(None);
        let task = tokio::spawn(async move {
            // `changed` fails only once the engine has dropped its end and every value is seen.
            while receiver.changed().await.is_ok() {
                let text = receiver.borrow_and_update().clone();
                if let Some(text) = text {
                    let path = path.clone();
                    let written = tokio::task::spawn_blocking(move || {
                        write_atomically(&path, text.as_bytes())
                    })
                    .await;
                    if let Ok(Err(error)) = written {
                        tracing::error!("cannot save the download queue: {error}");
                    }
                }
            }
        });
        Self { latest, task }
    }

    /// Queues `downloads` to be saved.
    pub fn save<'a>(&self, downloads: impl IntoIterator<Item = &'a Download>) {
        let state = StateFile {
            version: STATE_VERSION,
            downloads: downloads.into_iter().cloned().collect(),
        };
        match serde_json::to_string_pretty(&state) {
            Ok(text) => {
                let _ = self.latest.send(Some(text));
            }
            Err(error) => tracing::error!("cannot serialise the download queue: {error}"),
        }
    }

    /// Writes the last saved state and stops.
    pub async fn finish(self) {
        drop(self.latest);
        let _ = self.task.await;
    }
}
