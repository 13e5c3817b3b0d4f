//! [`EngineHandle`]: what the rest of bgassets holds to command the engine (each verb a
//! [`Command`] with a reply) and to watch it (a subscription to its [`Event`]s).

use tokio::sync::{broadcast, mpsc, oneshot};

use super::{
    Command, Download, DownloadRequest, EngineError, Event, Limits, Priority, Relocation, Snapshot,
    Targets,
};

/// A cloneable way to command the engine and watch it.
#[derive(Debug, Clone)]
pub struct EngineHandle {
    pub(super) commands: mpsc::Sender<Command>,
    pub(super) events: broadcast::Sender<Event>,
}

impl EngineHandle {
    async fn ask<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<Result<T, EngineError>>) -> Command,
    ) -> Result<T, EngineError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(make(reply))
            .await
            .map_err(|_| EngineError::Stopped)?;
        answer.await.map_err(|_| EngineError::Stopped)?
    }

    /// Schedules a download (`scheduleDownload`).
    pub async fn enqueue(&self, request: DownloadRequest) -> Result<(), EngineError> {
        self.ask(|reply| Command::Enqueue(Box::new(request), reply))
            .await
    }

    /// Points download `id` at `url`, where the same bytes (the same `sha256`) now are: it
    /// continues there from its partial file. `false` when nothing changed.
    pub async fn relocate(
        &self,
        id: &str,
        url: url::Url,
        sha256: crate::model::Sha256Digest,
    ) -> Result<bool, EngineError> {
        let relocation = Relocation {
            id: id.to_string(),
            url,
            sha256,
        };
        self.ask(|reply| Command::Relocate(relocation, reply)).await
    }

    /// Pauses the targeted downloads; returns how many downloads changed.
    pub async fn pause(&self, targets: Targets) -> Result<usize, EngineError> {
        self.ask(|reply| Command::Pause(targets, reply)).await
    }

    /// Resumes paused or failed downloads.
    pub async fn resume(&self, targets: Targets) -> Result<usize, EngineError> {
        self.ask(|reply| Command::Resume(targets, reply)).await
    }

    /// Cancels and deletes partial files.
    pub async fn cancel(&self, targets: Targets) -> Result<usize, EngineError> {
        self.ask(|reply| Command::Cancel(targets, reply)).await
    }

    /// Forgets finished, failed and cancelled downloads.
    pub async fn forget(&self, targets: Targets) -> Result<usize, EngineError> {
        self.ask(|reply| Command::Forget(targets, reply)).await
    }

    /// Changes a scheduled download's priority; a finished or cancelled one answers
    /// `downloadNotScheduled`, a failed one `downloadAlreadyFailed`.
    pub async fn set_priority(&self, id: &str, priority: Priority) -> Result<(), EngineError> {
        self.ask(|reply| Command::SetPriority(id.to_string(), priority, reply))
            .await
    }

    /// Puts a scheduled download ahead of every other (refused as [`Self::set_priority`] is).
    pub async fn move_to_top(&self, id: &str) -> Result<(), EngineError> {
        self.ask(|reply| Command::MoveToTop(id.to_string(), reply))
            .await
    }

    /// Changes the limits live.
    pub async fn set_limits(&self, limits: Limits) -> Result<(), EngineError> {
        self.ask(|reply| Command::SetLimits(limits, reply)).await
    }

    /// A copy of every download's state.
    pub async fn snapshot(&self) -> Result<Snapshot, EngineError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(Command::Snapshot(reply))
            .await
            .map_err(|_| EngineError::Stopped)?;
        answer.await.map_err(|_| EngineError::Stopped)
    }

    /// Events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    /// Waits until download `id` is finished, failed or cancelled, and returns it.
    pub async fn wait_until_done(&self, id: &str) -> Result<Download, EngineError> {
        let mut events = self.subscribe();
        loop {
            let snapshot = self.snapshot().await?;
            let download = snapshot
                .get(id)
                .ok_or_else(|| EngineError::UnknownDownload(id.to_string()))?;
            if download.state.is_terminal() {
                return Ok(download.clone());
            }
            // Wait for an event about it (or a lag, after which the snapshot tells).
            loop {
                match events.recv().await {
                    Ok(event) if event.id == id => break,
                    Ok(_) => continue,
                    Err(broadcast::error::RecvError::Lagged(_)) => break,
                    Err(broadcast::error::RecvError::Closed) => return Err(EngineError::Stopped),
                }
            }
        }
    }
}
