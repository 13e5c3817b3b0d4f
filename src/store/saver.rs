//! Saving a state file in the background: the owner of the state hands over its latest JSON and
//! goes on; a task writes it atomically, and bursts of changes coalesce into one write (the
//! latest always wins). [`Saver::finish`] writes the last state and waits.

use std::path::PathBuf;

use tokio::sync::watch;

use super::write_atomically;

/// A background writer for one state file.
pub struct Saver {
    latest: watch::Sender<Option<String>>,
    task: tokio::task::JoinHandle<()>,
}

impl Saver {
    /// Starts saving to `path` (on the current tokio runtime).
    pub fn start(path: PathBuf) -> Self {
        let (latest, mut receiver) = watch::channel::<Option<String>>(None);
        let task = tokio::spawn(async move {
            // `changed` fails only once the owner has dropped its end and every value is seen.
            while receiver.changed().await.is_ok() {
                let text = receiver.borrow_and_update().clone();
                let Some(text) = text else { continue };
                let target = path.clone();
                let written =
                    tokio::task::spawn_blocking(move || write_atomically(&target, text.as_bytes()))
                        .await;
                if let Ok(Err(error)) = written {
                    tracing::error!("cannot save {}: {error}", path.display());
                }
            }
        });
        Self { latest, task }
    }

    /// Queues `text` to be written.
    pub fn save(&self, text: String) {
        let _ = self.latest.send(Some(text));
    }

    /// Writes the last state and stops.
    pub async fn finish(self) {
        drop(self.latest);
        let _ = self.task.await;
    }
}
