//! The notification tests' stand-ins: a notification server (zbus, recording `Notify` calls,
//! emitting `ActionInvoked`), a backend serving scripted documents, and one counting the reads
//! of a real backend, so a test knows the notifier has looked.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bgassets::gui::{Backend, ManagerBackend};
use bgassets::manager::api::Request;
use bgassets::manager::event::ManagerEvent;
use bgassets::manager::view::StatusDocument;
use zbus::object_server::SignalEmitter;
use zbus::zvariant::OwnedValue;

use super::TIMEOUT;
use crate::support::dbus::SessionBus;
use crate::support::wait::wait_until_async;

/// Where the server serves the interface.
pub const PATH: &str = "/org/freedesktop/Notifications";

/// One `Notify` call as the server received it.
#[derive(Debug, Clone)]
pub struct Call {
    pub id: u32,
    pub summary: String,
    pub body: String,
    pub actions: Vec<String>,
}

/// The notification server: records `Notify` calls.
#[derive(Default, Clone)]
pub struct Server {
    calls: Arc<Mutex<Vec<Call>>>,
    next_id: Arc<AtomicU32>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Server {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        _app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        _hints: HashMap<String, OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst) + 1;
        self.calls.lock().unwrap().push(Call {
            id,
            summary,
            body,
            actions,
        });
        id
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".into(), "actions".into()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        ("test".into(), "bgassets".into(), "1".into(), "1.2".into())
    }

    #[zbus(signal)]
    pub async fn action_invoked(
        emitter: &SignalEmitter<'_>,
        id: u32,
        action_key: &str,
    ) -> zbus::Result<()>;
}

impl Server {
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    /// Serves on `bus` under the well-known name; keep the connection alive.
    pub async fn serve(&self, bus: &SessionBus) -> zbus::Connection {
        zbus::connection::Builder::address(bus.address())
            .unwrap()
            .name("org.freedesktop.Notifications")
            .unwrap()
            .serve_at(PATH, self.clone())
            .unwrap()
            .build()
            .await
            .unwrap()
    }
}

/// A backend serving one document at a time, counting how often it was read.
pub struct Scripted {
    document: Mutex<Arc<StatusDocument>>,
    reads: AtomicUsize,
}

impl Scripted {
    pub fn new(document: StatusDocument) -> Arc<Self> {
        Arc::new(Self {
            document: Mutex::new(Arc::new(document)),
            reads: AtomicUsize::new(0),
        })
    }

    pub fn set(&self, document: StatusDocument) {
        *self.document.lock().unwrap() = Arc::new(document);
    }

    pub fn reads(&self) -> usize {
        self.reads.load(Ordering::SeqCst)
    }

    /// Waits until the notifier has read the document `n` more times.
    pub async fn read_more(&self, n: usize) {
        let target = self.reads() + n;
        wait_until_async("read by the notifier", TIMEOUT, || self.reads() >= target).await;
    }
}

impl Backend for Scripted {
    fn send(&self, _request: Request) {}
    fn latest(&self) -> Option<Arc<StatusDocument>> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        Some(self.document.lock().unwrap().clone())
    }
    fn events(&self) -> Vec<ManagerEvent> {
        Vec::new()
    }
    fn error(&self) -> Option<String> {
        None
    }
}

/// A backend that counts the reads of another (to know the notifier has read it); with
/// `signal`, it passes on the manager's change signal (the notifier then reads on change),
/// without, the notifier reads it on its clock.
pub struct Counted {
    pub inner: ManagerBackend,
    pub reads: AtomicUsize,
    pub signal: bool,
}

impl Backend for Counted {
    fn send(&self, request: Request) {
        self.inner.send(request);
    }
    fn latest(&self) -> Option<Arc<StatusDocument>> {
        let latest = self.inner.latest();
        if latest.is_some() {
            self.reads.fetch_add(1, Ordering::SeqCst);
        }
        latest
    }
    fn events(&self) -> Vec<ManagerEvent> {
        self.inner.events()
    }
    fn error(&self) -> Option<String> {
        self.inner.error()
    }
    fn changes(&self) -> Option<tokio::sync::watch::Receiver<u64>> {
        self.signal.then(|| self.inner.changes()).flatten()
    }
}
