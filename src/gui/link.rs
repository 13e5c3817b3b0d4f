//! The tasks behind [`ManagerBackend`](super::backend::ManagerBackend): [`forward`] sends the
//! window's requests in order and keeps the last refusal; [`refresh`] re-reads the status
//! document after events or commands, coalesced to [`MIN_REFRESH`] (and every
//! [`PROGRESS_REFRESH`] while something is in progress, so bytes keep moving even if the
//! manager sends no event for them), and wakes the window only when the document changed.
//! Both work the same on an in-process manager and on a socket connection to a daemon.

use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use tokio::sync::{Notify, broadcast, mpsc};

use super::backend::Shared;
use crate::ipc::{Connection, Events, Notice};
use crate::manager::ManagerHandle;
use crate::manager::api::Request;
use crate::manager::event::ManagerEvent;
use crate::manager::view::StatusDocument;

/// The shortest time between two status fetches: the window's repaint ceiling.
pub const MIN_REFRESH: Duration = Duration::from_millis(100);
/// While something is in progress, the status is re-read this often even without events.
pub const PROGRESS_REFRESH: Duration = Duration::from_millis(250);
/// The banner when the manager is gone.
pub const STOPPED: &str = "the manager has stopped";

/// Where requests go.
#[derive(Clone)]
pub(crate) enum Link {
    Local(ManagerHandle),
    Socket(Connection),
}

impl Link {
    async fn call(&self, request: Request) -> Result<serde_json::Value, String> {
        match self {
            Self::Local(handle) => handle.call(request).await.map_err(|e| e.to_string()),
            Self::Socket(connection) => connection.call(request).await.map_err(|e| e.to_string()),
        }
    }

    async fn status(&self) -> Result<StatusDocument, String> {
        let value = self.call(Request::Status).await?;
        serde_json::from_value(value).map_err(|e| format!("unreadable status: {e}"))
    }
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
pub(crate) async fn forward(
    link: Link,
    mut requests: mpsc::UnboundedReceiver<Request>,
    shared: Arc<Shared>,
    poke: Arc<Notify>,
) {
    while let Some(request) = requests.recv().await {
        let what = request_name(&request);
        match link.call(request).await {
            Ok(_) => shared.set_error(None),
            Err(error) => shared.set_error(Some(format!("{what}: {error}"))),
        }
        poke.notify_one();
        shared.repaint();
    }
}

/// Fetches the status at start, then after events or commands, coalesced; stores it and wakes
/// the window when it changed.
pub(crate) async fn refresh(link: Link, mut feed: Feed, shared: Arc<Shared>, poke: Arc<Notify>) {
    loop {
        let document = match link.status().await {
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

/// The request's method name, to prefix its error ("pause: …").
pub fn request_name(request: &Request) -> String {
    serde_json::to_value(request)
        .ok()
        .and_then(|v| v.get("method").and_then(|m| m.as_str()).map(str::to_owned))
        .unwrap_or_else(|| "request".into())
}
