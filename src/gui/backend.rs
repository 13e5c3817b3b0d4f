//! Where the window's data comes from and its commands go. The window only knows [`Backend`]:
//! [`ManagerBackend`] drives a manager, in-process through its [`ManagerHandle`] or a running
//! daemon through the local socket; tests and the benchmark use
//! [`FixtureBackend`](super::fixture::FixtureBackend).
//!
//! [`ManagerBackend`] runs two tasks on a tokio runtime (see [`super::link`]): one forwards
//! requests and keeps the last error, the other re-fetches the status document when an event
//! arrives, at most ten times a second, and wakes the window with `request_repaint` only when
//! the document changed. So the window repaints on events and never when idle.

use std::sync::Arc;

use tokio::sync::{Notify, mpsc};

use super::link::{self, Feed, Newest, Shared};
use crate::ipc::Connection;
use crate::manager::ManagerHandle;
use crate::manager::api::Request;
use crate::manager::event::ManagerEvent;
use crate::manager::view::StatusDocument;

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
    /// A signal bumped with each new document, for readers that wake on change; `None` when
    /// the backend has none (they read it on a clock).
    fn changes(&self) -> Option<tokio::sync::watch::Receiver<u64>> {
        None
    }
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
        Self::spawn(runtime, handle, feed)
    }

    /// Drives the manager at the other end of `connection` (a running daemon), subscribed to
    /// every app's events with `events`.
    pub fn connected(
        runtime: &tokio::runtime::Handle,
        connection: Connection,
        events: crate::ipc::Events,
    ) -> Self {
        Self::spawn(runtime, connection, Feed::Socket(events))
    }

    /// Runs the two tasks over `api`, the in-process handle or a socket connection.
    fn spawn<A>(runtime: &tokio::runtime::Handle, api: A, feed: Feed) -> Self
    where
        A: Newest + Clone + Send + 'static,
    {
        let shared = Arc::new(Shared::default());
        let (requests, receiver) = mpsc::unbounded_channel();
        let poke = Arc::new(Notify::new());
        runtime.spawn(link::forward(
            api.clone(),
            receiver,
            shared.clone(),
            poke.clone(),
        ));
        runtime.spawn(link::refresh(api, feed, shared.clone(), poke));
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
        self.shared.latest()
    }

    fn events(&self) -> Vec<ManagerEvent> {
        self.shared.events()
    }

    fn error(&self) -> Option<String> {
        self.shared.error()
    }

    fn attach(&self, ctx: &egui::Context) {
        self.shared.attach(ctx);
    }

    fn changes(&self) -> Option<tokio::sync::watch::Receiver<u64>> {
        Some(self.shared.changes.subscribe())
    }
}
