//! Where the window's data comes from and its commands go. The window only knows [`Backend`]:
//! [`ManagerBackend`] drives a manager, in-process through its [`ManagerHandle`] or a running
//! daemon through the local socket; tests and the benchmark use
//! [`FixtureBackend`](super::fixture::FixtureBackend).
//!
//! [`ManagerBackend`] runs two tasks on a tokio runtime (see [`super::link`]): one forwards
//! requests and keeps the last error, the other re-fetches the status document when an event
//! arrives, at most ten times a second, and wakes the window with `request_repaint` only when
//! the document changed. So the window repaints on events and never when idle.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{Notify, mpsc};

use super::link::{self, Feed, Link};
use crate::ipc::Connection;
use crate::manager::ManagerHandle;
use crate::manager::api::Request;
use crate::manager::event::{ManagerEvent, ManagerEventKind};
use crate::manager::view::StatusDocument;
use crate::model::StatusUpdate;

/// What the window needs from a manager (in-process or over the socket).
pub trait Backend: Send + Sync + 'static {
    /// Sends a command, fire-and-forget; a refusal comes back through [`Backend::error`].
    fn send(&self, request: Request);
    /// The newest status, cheap to call every frame.
    fn latest(&self) -> Option<Arc<StatusDocument>>;
    /// Recent events, oldest first (bounded), for the event log.
    fn events(&self) -> Vec<ManagerEvent>;
    /// The last command's error, for the banner.
    fn error(&self) -> Option<String>;
    /// Gives the backend the window's context, to wake it when something changes.
    fn attach(&self, _ctx: &egui::Context) {}
}

/// How many events the log keeps.
pub const EVENT_LOG_LEN: usize = 1000;

/// The state the tasks share with the window.
#[derive(Default)]
pub(crate) struct Shared {
    latest: Mutex<Option<Arc<StatusDocument>>>,
    events: Mutex<VecDeque<ManagerEvent>>,
    error: Mutex<Option<String>>,
    ctx: Mutex<Option<egui::Context>>,
}

impl Shared {
    /// Wakes the window, once it is attached.
    pub(crate) fn repaint(&self) {
        if let Some(ctx) = lock(&self.ctx).as_ref() {
            ctx.request_repaint();
        }
    }

    pub(crate) fn set_error(&self, error: Option<String>) {
        *lock(&self.error) = error;
    }

    /// Keeps `document` if it differs from the stored one (its time stamp aside).
    pub(crate) fn store(&self, mut document: StatusDocument) -> bool {
        let mut latest = lock(&self.latest);
        if let Some(old) = latest.as_ref() {
            let stamp = std::mem::replace(&mut document.generated_at_ms, old.generated_at_ms);
            if **old == document {
                return false;
            }
            document.generated_at_ms = stamp;
        }
        *latest = Some(Arc::new(document));
        true
    }

    /// Adds `event` to the log; a progress update replaces the previous one for the same pack,
    /// so a long download does not push everything else out.
    pub(crate) fn push_event(&self, event: ManagerEvent) {
        let mut events = lock(&self.events);
        if let Some(last) = events.back_mut()
            && is_progress(&last.kind)
            && is_progress(&event.kind)
            && last.app == event.app
            && last.pack == event.pack
        {
            *last = event;
            return;
        }
        if events.len() == EVENT_LOG_LEN {
            events.pop_front();
        }
        events.push_back(event);
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

/// A [`Backend`] driving a manager.
pub struct ManagerBackend {
    shared: Arc<Shared>,
    requests: mpsc::UnboundedSender<Request>,
}

impl ManagerBackend {
    /// Drives the in-process manager behind `handle`; the tasks run on `runtime` and end when
    /// the manager stops.
    pub fn start(runtime: &tokio::runtime::Handle, handle: ManagerHandle) -> Self {
        let feed = Feed::Local(handle.subscribe());
        Self::spawn(runtime, Link::Local(handle), feed)
    }

    /// Drives the manager at the other end of `connection` (a running daemon), subscribed to
    /// every app's events with `events`.
    pub fn connected(
        runtime: &tokio::runtime::Handle,
        connection: Connection,
        events: crate::ipc::Events,
    ) -> Self {
        Self::spawn(runtime, Link::Socket(connection), Feed::Socket(events))
    }

    fn spawn(runtime: &tokio::runtime::Handle, link: Link, feed: Feed) -> Self {
        let shared = Arc::new(Shared::default());
        let (requests, receiver) = mpsc::unbounded_channel();
        let poke = Arc::new(Notify::new());
        runtime.spawn(link::forward(
            link.clone(),
            receiver,
            shared.clone(),
            poke.clone(),
        ));
        runtime.spawn(link::refresh(link, feed, shared.clone(), poke));
        Self { shared, requests }
    }
}

impl Backend for ManagerBackend {
    fn send(&self, request: Request) {
        if self.requests.send(request).is_err() {
            self.shared.set_error(Some(link::STOPPED.into()));
        }
    }

    fn latest(&self) -> Option<Arc<StatusDocument>> {
        lock(&self.shared.latest).clone()
    }

    fn events(&self) -> Vec<ManagerEvent> {
        lock(&self.shared.events).iter().cloned().collect()
    }

    fn error(&self) -> Option<String> {
        lock(&self.shared.error).clone()
    }

    fn attach(&self, ctx: &egui::Context) {
        *lock(&self.shared.ctx) = Some(ctx.clone());
        ctx.request_repaint();
    }
}
