//! Saving a state file in the background: the owner of the state hands over its latest JSON and
//! goes on; a task writes it atomically, and bursts of changes coalesce into one write (the
//! latest always wins). [`Saver::finish`] writes the last state and waits.
//!
//! The text is moved, never copied: the writer takes it out of the slot the owner put it in and
//! drops it once written, so a state of megabytes is held once while it waits and once while
//! it is written, not kept beside the next one. [`Saver::save_json`] sizes its buffer from the
//! last save, so a large state grows into its buffer once instead of by doubling.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::Notify;

use super::atomic::write_private;

/// The latest text not yet taken by the writer, and whether the owner has finished.
#[derive(Default)]
struct Slot {
    text: Option<String>,
    finished: bool,
}

/// What the owner and the writer share.
#[derive(Default)]
struct Shared {
    slot: Mutex<Slot>,
    wake: Notify,
}

impl Shared {
    fn with_slot<R>(&self, change: impl FnOnce(&mut Slot) -> R) -> R {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        change(&mut slot)
    }
}

/// A background writer for one state file. Dropped without [`Saver::finish`], it still writes
/// the last text handed over, without being waited for.
pub struct Saver {
    shared: Arc<Shared>,
    /// The length of the last text handed over, to size the next one's buffer.
    last_len: AtomicUsize,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Saver {
    /// Starts saving to `path` (on the current tokio runtime).
    pub fn start(path: PathBuf) -> Self {
        let shared = Arc::new(Shared::default());
        let writer = shared.clone();
        let task = tokio::spawn(async move {
            loop {
                let (text, finished) = writer.with_slot(|slot| (slot.text.take(), slot.finished));
                let Some(text) = text else {
                    if finished {
                        break;
                    }
                    writer.wake.notified().await;
                    continue;
                };
                let target = path.clone();
                let written =
                    tokio::task::spawn_blocking(move || write_private(&target, text.as_bytes()))
                        .await;
                if let Ok(Err(error)) = written {
                    tracing::error!("cannot save {}: {error}", path.display());
                }
            }
        });
        Self {
            shared,
            last_len: AtomicUsize::new(0),
            task: Some(task),
        }
    }

    /// Queues `text` to be written (replacing a text not yet taken by the writer).
    pub fn save(&self, text: String) {
        self.last_len.store(text.len(), Ordering::Relaxed);
        self.shared.with_slot(|slot| slot.text = Some(text));
        self.shared.wake.notify_one();
    }

    /// Queues `value` as compact JSON, encoded into a buffer sized from the last save.
    pub fn save_json<T: serde::Serialize + ?Sized>(&self, value: &T) -> serde_json::Result<()> {
        let last = self.last_len.load(Ordering::Relaxed);
        let mut buffer = Vec::with_capacity(last.saturating_add(last / 8));
        serde_json::to_writer(&mut buffer, value)?;
        // serde_json writes UTF-8 only.
        let text =
            String::from_utf8(buffer).map_err(|e| serde::ser::Error::custom(e.to_string()))?;
        self.save(text);
        Ok(())
    }

    /// Writes the last state and stops.
    pub async fn finish(mut self) {
        self.stop();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Tells the writer to stop once the last text is written.
    fn stop(&self) {
        self.shared.with_slot(|slot| slot.finished = true);
        self.shared.wake.notify_one();
    }
}

impl Drop for Saver {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_last_text_saved_is_the_one_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let saver = Saver::start(path.clone());
        for i in 0..100 {
            saver.save(format!("{{\"n\":{i}}}"));
        }
        saver
            .save_json(&serde_json::json!({ "n": "last" }))
            .unwrap();
        saver.finish().await;
        assert_eq!(std::fs::read_to_string(&path).unwrap(), r#"{"n":"last"}"#);
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_state_file_is_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        std::fs::write(&path, "{}").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let saver = Saver::start(path.clone());
        saver.save("{\"token\":\"secret\"}".into());
        saver.finish().await;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "a state file holds an app's bearer tokens");
    }

    #[tokio::test]
    async fn a_saver_given_nothing_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        Saver::start(path.clone()).finish().await;
        assert!(!path.exists());
    }

    #[tokio::test]
    async fn a_dropped_saver_still_writes_its_last_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let saver = Saver::start(path.clone());
        saver.save("{\"n\":1}".into());
        saver.save("{\"n\":2}".into());
        drop(saver);
        let written = tokio::time::timeout(std::time::Duration::from_secs(10), async {
            while std::fs::read_to_string(&path).ok().as_deref() != Some("{\"n\":2}") {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        })
        .await;
        assert!(written.is_ok(), "the last text was not written within 10 s");
    }
}
