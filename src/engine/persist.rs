//! The engine's queue on disk: saved atomically (compact JSON) after the changes that matter, at
//! most every `actor::PERSIST_EVERY`, by a [`Saver`] so the engine never waits for the disk
//! (bursts of changes coalesce into one write), and
//! restored forgivingly: a missing file is an empty queue, an unreadable one is set aside with a
//! warning, and downloads that were running resume from their partial files.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::download::{Download, DownloadState};
use crate::store::saver::Saver;

/// The state file's format version.
pub const STATE_VERSION: u32 = 1;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StateFile {
    version: u32,
    downloads: Vec<Download>,
}

/// [`StateFile`] as written: the downloads borrowed, not cloned.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StateFileRef<'a> {
    version: u32,
    downloads: Vec<&'a Download>,
}

/// Reads the queue saved at `path`, ready to resume.
pub fn load(path: &Path) -> Vec<Download> {
    let parse = |text: &str| {
        let state = serde_json::from_str::<StateFile>(text).map_err(|e| e.to_string())?;
        if state.version > STATE_VERSION {
            return Err(format!(
                "queue version {} is newer than this bgassets ({STATE_VERSION})",
                state.version
            ));
        }
        Ok(state)
    };
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
        download.bytes_done = super::segments::kept_bytes(&download.request.partial_path());
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
        let state = StateFileRef {
            version: STATE_VERSION,
            downloads: downloads.into_iter().collect(),
        };
        if let Err(error) = self.saver.save_json(&state) {
            tracing::error!("cannot serialise the download queue: {error}");
        }
    }

    /// Writes the last saved state and stops.
    pub async fn finish(self) {
        self.saver.finish().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_queue_from_a_newer_bgassets_is_set_aside_not_misread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("downloads.json");
        std::fs::write(&path, r#"{"version": 99, "downloads": []}"#).unwrap();
        assert!(load(&path).is_empty());
        assert!(
            !path.exists(),
            "the newer queue is set aside, not left to be overwritten"
        );
        let aside: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(aside.len(), 1, "{aside:?}");
    }

    #[tokio::test]
    async fn the_queue_is_written_compact_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("downloads.json");
        let persister = Persister::start(path.clone());
        persister.save(std::iter::empty());
        persister.finish().await;
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, r#"{"version":1,"downloads":[]}"#);
        assert!(load(&path).is_empty());
    }
}
