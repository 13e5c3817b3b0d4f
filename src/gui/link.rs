//! The tasks behind [`ManagerBackend`](super::backend::ManagerBackend) and the state they share
//! with the window (`Shared`): `forward` sends the
//! window's requests in order and keeps the last refusal; `refresh` re-reads the status
//! document after events or commands, coalesced to [`MIN_REFRESH`] (and every
//! [`PROGRESS_REFRESH`] while something is in progress, so bytes keep moving even if the
//! manager sends no event for them), and wakes the window only when the document changed.
//! Both work the same on an in-process manager and on a socket connection to a daemon: each is
//! a [`ManagerApi`] that can give its [`Newest`] document. In process, that is the document the
//! manager published, shared: no copy, no JSON, and a new one is told from the last by its
//! generation, not by comparing 10,000 packs.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::FutureExt;
use tokio::sync::{Notify, broadcast, mpsc};

use crate::ipc::{Connection, Events, Notice};
use crate::manager::ManagerHandle;
use crate::manager::api::{ManagerApi, Mismatch, Request, Response};
use crate::manager::event::{ManagerEvent, ManagerEventKind};
use crate::manager::view::StatusDocument;
use crate::model::StatusUpdate;

/// The shortest time between two status fetches: the window's repaint ceiling.
pub const MIN_REFRESH: Duration = Duration::from_millis(100);
/// While something is in progress, the status is re-read this often even without events.
pub const PROGRESS_REFRESH: Duration = Duration::from_millis(250);
/// The banner when the manager is gone.
pub const STOPPED: &str = "the manager has stopped";

/// How many events the log keeps.
pub const EVENT_LOG_LEN: usize = 1000;

/// The state the tasks share with the window.
#[derive(Default)]
pub(crate) struct Shared {
    latest: Mutex<Option<Arc<StatusDocument>>>,
    events: Mutex<VecDeque<ManagerEvent>>,
    error: Mutex<Option<String>>,
    ctx: Mutex<Option<egui::Context>>,
    /// Bumped with each new document, for readers that wake on change (the tray, the
    /// notifier).
    pub(crate) changes: super::changes::Changes,
}

impl Shared {
    /// Wakes the window, once it is attached.
    pub(crate) fn repaint(&self) {
        if let Some(ctx) = lock(&self.ctx).as_ref() {
            ctx.request_repaint();
        }
    }

    /// The newest status document.
    pub(crate) fn latest(&self) -> Option<Arc<StatusDocument>> {
        lock(&self.latest).clone()
    }

    /// The event log, oldest first.
    pub(crate) fn events(&self) -> Vec<ManagerEvent> {
        lock(&self.events).iter().cloned().collect()
    }

    /// The last refusal, for the banner.
    pub(crate) fn error(&self) -> Option<String> {
        lock(&self.error).clone()
    }

    /// Keeps the window's context to wake it, and wakes it once.
    pub(crate) fn attach(&self, ctx: &egui::Context) {
        *lock(&self.ctx) = Some(ctx.clone());
        ctx.request_repaint();
    }

    pub(crate) fn set_error(&self, error: Option<String>) {
        *lock(&self.error) = error;
    }

    /// Keeps `document` if it differs from the stored one: another generation (a manager
    /// publishes a new one only when something changed), or, from a manager that numbers
    /// none (generation 0), other contents (the time stamp aside).
    pub(crate) fn store(&self, document: Arc<StatusDocument>) -> bool {
        let mut latest = lock(&self.latest);
        if let Some(old) = latest.as_ref()
            && is_same(old, &document)
        {
            return false;
        }
        *latest = Some(document);
        drop(latest);
        self.changes.bump();
        true
    }

    /// Adds `event` to the log; a progress update replaces the previous one for the same pack
    /// wherever it is, so downloads running side by side do not push state changes out.
    pub(crate) fn push_event(&self, event: ManagerEvent) {
        let mut events = lock(&self.events);
        if is_progress(&event.kind)
            && let Some(at) = events.iter().rposition(|old| {
                is_progress(&old.kind) && old.app == event.app && old.pack == event.pack
            })
        {
            events.remove(at);
        }
        if events.len() == EVENT_LOG_LEN {
            events.pop_front();
        }
        events.push_back(event);
    }
}

/// Whether `new` shows what `old` showed.
fn is_same(old: &Arc<StatusDocument>, new: &Arc<StatusDocument>) -> bool {
    if Arc::ptr_eq(old, new) {
        return true;
    }
    if old.generation != 0 || new.generation != 0 {
        return old.generation == new.generation;
    }
    StatusDocument {
        generated_at_ms: old.generated_at_ms,
        ..(**new).clone()
    } == **old
}

/// How the refresh task reads the newest status document.
pub(crate) trait Newest: ManagerApi {
    /// The newest document, shared.
    fn newest(&self) -> impl Future<Output = Result<Arc<StatusDocument>, Self::Error>> + Send;
}

/// In process: the document the manager published, itself.
impl Newest for ManagerHandle {
    async fn newest(&self) -> Result<Arc<StatusDocument>, Self::Error> {
        match self.call(Request::Status).await? {
            Response::Status(document) => Ok(document),
            other => Err(Mismatch {
                asked: "status",
                answered: other.method(),
            }
            .into()),
        }
    }
}

/// Over the socket: the connection's copy, brought up to date with what changed.
impl Newest for Connection {
    async fn newest(&self) -> Result<Arc<StatusDocument>, Self::Error> {
        self.status().await.map(Arc::new)
    }
}

fn is_progress(kind: &ManagerEventKind) -> bool {
    matches!(
        kind,
        ManagerEventKind::Status {
            update: StatusUpdate::Downloading { .. }
        }
    )
}

/// Locks, ignoring poisoning: the data is plain values, always whole.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Where events come from.
pub(crate) enum Feed {
    Local(broadcast::Receiver<ManagerEvent>),
    Socket(Events),
}

/// What a feed gave.
enum Heard {
    Event(ManagerEvent),
    /// Events were lost: the status is re-read anyway.
    Missed,
    Closed,
}

impl Feed {
    async fn next(&mut self) -> Heard {
        match self {
            Self::Local(receiver) => match receiver.recv().await {
                Ok(event) => Heard::Event(event),
                Err(broadcast::error::RecvError::Lagged(_)) => Heard::Missed,
                Err(broadcast::error::RecvError::Closed) => Heard::Closed,
            },
            Self::Socket(events) => match events.next().await {
                Some(Notice::Event(event)) => Heard::Event(event),
                Some(Notice::Missed(_)) => Heard::Missed,
                None => Heard::Closed,
            },
        }
    }

    /// An event already waiting, without waiting.
    fn ready(&mut self) -> Option<ManagerEvent> {
        loop {
            match self.next().now_or_never()? {
                Heard::Event(event) => return Some(event),
                Heard::Missed => continue,
                Heard::Closed => return None,
            }
        }
    }
}

/// Sends each request in turn; keeps the last refusal for the banner, and asks for a refresh.
pub(crate) async fn forward<A: ManagerApi>(
    api: A,
    mut requests: mpsc::UnboundedReceiver<Request>,
    shared: Arc<Shared>,
    poke: Arc<Notify>,
) {
    while let Some(request) = requests.recv().await {
        let what = request.method();
        match api.call(request).await {
            Ok(_) => shared.set_error(None),
            Err(error) => shared.set_error(Some(format!("{what}: {error}"))),
        }
        poke.notify_one();
        shared.repaint();
    }
}

/// Fetches the status at start, then after events or commands, coalesced; stores it and wakes
/// the window when it changed.
pub(crate) async fn refresh<A: Newest>(
    api: A,
    mut feed: Feed,
    shared: Arc<Shared>,
    poke: Arc<Notify>,
) {
    loop {
        let document = match api.newest().await {
            Ok(document) => document,
            Err(error) => {
                shared.set_error(Some(format!("{STOPPED}: {error}")));
                shared.repaint();
                return;
            }
        };
        let busy = document
            .apps
            .iter()
            .flat_map(|app| &app.packs)
            .any(|pack| pack.activity.is_in_progress());
        if shared.store(document) {
            shared.repaint();
        }
        tokio::time::sleep(MIN_REFRESH).await;
        let wait = async {
            tokio::select! {
                heard = feed.next() => heard,
                () = poke.notified() => Heard::Missed,
            }
        };
        let heard = if busy {
            tokio::time::timeout(PROGRESS_REFRESH, wait)
                .await
                .unwrap_or(Heard::Missed)
        } else {
            wait.await
        };
        match heard {
            Heard::Closed => {
                shared.set_error(Some(STOPPED.into()));
                shared.repaint();
                return;
            }
            Heard::Event(event) => shared.push_event(event),
            Heard::Missed => {}
        }
        while let Some(event) = feed.ready() {
            shared.push_event(event);
        }
    }
}

#[cfg(test)]
#[path = "link_tests.rs"]
mod tests;
