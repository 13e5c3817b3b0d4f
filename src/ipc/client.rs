//! The socket's client side: a [`Connection`] says `hello` (as an app, or as a controller with
//! the capability file's secret), sends requests with fresh ids, matches responses to them
//! (several may be in flight), and hands events to any number of [`Events`] receivers.
//! `bgassets ctl`, the window and the app-facing [`crate::client`] are built on it.
//!
//! Two tasks own the socket: a writer (so that a cancelled call never leaves half a line) and a
//! reader. Both stop when the last clone of the connection is dropped.

// documented by issue 12's core/typed work
#![allow(missing_docs)]

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::de::DeserializeOwned;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::{broadcast, mpsc, oneshot};

use super::capability::{Capability, CapabilityError};
use super::protocol::{
    ClientMessage, Hello, Offered, RequestLine, Response, ServerMessage, kind_name,
};
use super::socket;
use crate::manager::api::{ApiError, Request};
use crate::manager::event::ManagerEvent;

/// Events kept for a slow receiver before it misses some.
const EVENT_BUFFER: usize = 1024;

/// The manager could not be reached, or the connection broke.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    /// Nothing listens on the socket (no file, or a stale one): no manager runs on that data dir.
    #[error("no bgassets manager is running: nothing listens on {socket}")]
    NotRunning {
        socket: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot connect to the bgassets manager on {socket}")]
    Connect {
        socket: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("the connection to the bgassets manager on {socket} was lost: {reason}")]
    Lost { socket: PathBuf, reason: String },
}

/// Why a call has no result.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error(transparent)]
    Connection(#[from] ConnectionError),
    /// The controller capability could not be read (another user's manager, or none running).
    #[error(transparent)]
    Capability(#[from] CapabilityError),
    /// The manager answered something this client does not understand.
    #[error("unexpected answer from the bgassets manager: {0}")]
    Protocol(String),
    /// The manager refused: its error kind and message.
    #[error("{}: {}", kind_name(.0.kind), .0.message)]
    Refused(ApiError),
}

/// What a subscriber receives.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    Event(ManagerEvent),
    /// Some events were lost (this side or the server's read too slowly): re-read the state.
    Missed(u64),
}

/// Calls waiting for their response, or why none will come.
#[derive(Default)]
struct Pending {
    waiting: HashMap<u64, oneshot::Sender<Response>>,
    closed: Option<String>,
}

type SharedPending = Arc<Mutex<Pending>>;

/// Ends every waiting call: the connection is gone.
fn close(pending: &SharedPending, reason: String) {
    let mut pending = pending.lock().unwrap_or_else(|e| e.into_inner());
    pending.closed.get_or_insert(reason);
    pending.waiting.clear();
}

struct Shared {
    socket: PathBuf,
    lines: mpsc::Sender<String>,
    pending: SharedPending,
    next_id: AtomicU64,
    /// Kept to make more receivers; the reader task holds the only sender.
    events: broadcast::Receiver<Notice>,
    tasks: [tokio::task::AbortHandle; 2],
}

impl Drop for Shared {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// A connection to the manager; clones share it.
#[derive(Clone)]
pub struct Connection {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("socket", &self.shared.socket)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// Connects to the manager listening on `socket`. Needs a tokio runtime.
    pub async fn connect(socket: impl AsRef<Path>) -> Result<Self, ConnectionError> {
        let socket = socket.as_ref().to_path_buf();
        match socket::connect(&socket).await {
            Ok(stream) => Ok(Self::over(stream, socket)),
            Err(source)
                if matches!(
                    source.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused
                ) =>
            {
                Err(ConnectionError::NotRunning { socket, source })
            }
            Err(source) => Err(ConnectionError::Connect { socket, source }),
        }
    }

    /// Connects to the manager on `socket` and says hello as a controller, with the capability
    /// read from `capability_file` ([`crate::store::Paths::capability_file`]).
    pub async fn connect_controller(
        socket: impl AsRef<Path>,
        capability_file: &Path,
    ) -> Result<Self, CallError> {
        let connection = Self::connect(socket).await?;
        connection.hello_controller(capability_file).await?;
        Ok(connection)
    }

    /// Says hello as a controller, with the capability read from `capability_file`.
    pub async fn hello_controller(&self, capability_file: &Path) -> Result<(), CallError> {
        let capability = Capability::load(capability_file)?;
        self.hello(Hello::Controller(Offered(capability.to_hex())))
            .await
    }

    /// Says who this connection is; the manager allows nothing else before it.
    pub async fn hello(&self, hello: Hello) -> Result<(), CallError> {
        self.send(ClientMessage::Hello(hello)).await.map(drop)
    }

    /// A connection over any byte stream (`socket` only names it in errors).
    pub fn over<T>(stream: T, socket: PathBuf) -> Self
    where
        T: AsyncRead + AsyncWrite + Send + 'static,
    {
        let (reader, writer) = tokio::io::split(stream);
        let (lines, outgoing) = mpsc::channel(64);
        let (notices, events) = broadcast::channel(EVENT_BUFFER);
        let pending = SharedPending::default();
        let writer = tokio::spawn(write_lines(writer, outgoing, pending.clone()));
        let reader = tokio::spawn(read_lines(reader, notices, pending.clone()));
        Self {
            shared: Arc::new(Shared {
                socket,
                lines,
                pending,
                next_id: AtomicU64::new(1),
                events,
                tasks: [writer.abort_handle(), reader.abort_handle()],
            }),
        }
    }

    /// The socket this connection talks to.
    pub fn socket(&self) -> &Path {
        &self.shared.socket
    }

    /// Sends `request` and waits for the manager's answer.
    pub async fn call(&self, request: Request) -> Result<serde_json::Value, CallError> {
        self.send(ClientMessage::Request(request)).await
    }

    /// [`Connection::call`], with the result decoded as `T`.
    pub async fn call_as<T: DeserializeOwned>(&self, request: Request) -> Result<T, CallError> {
        let value = self.call(request).await?;
        serde_json::from_value(value)
            .map_err(|e| CallError::Protocol(format!("unreadable result: {e}")))
    }

    /// Subscribes this connection to events (only `app`'s when given; the connection has one
    /// filter, the last one asked) and returns a receiver that sees every event from now on.
    pub async fn subscribe(&self, app: Option<&str>) -> Result<Events, CallError> {
        // Receive before asking, so that nothing sent after the answer is missed.
        let receiver = self.events();
        self.send(ClientMessage::Subscribe {
            app: app.map(str::to_string),
        })
        .await?;
        Ok(receiver)
    }

    /// Another receiver of the events of this connection's subscription.
    pub fn events(&self) -> Events {
        Events {
            receiver: self.shared.events.resubscribe(),
        }
    }

    async fn send(&self, message: ClientMessage) -> Result<serde_json::Value, CallError> {
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        let (reply, answer) = oneshot::channel();
        {
            let mut pending = self
                .shared
                .pending
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if let Some(reason) = &pending.closed {
                return Err(self.lost(reason.clone()));
            }
            pending.waiting.insert(id, reply);
        }
        let _forget = ForgetOnDrop {
            pending: &self.shared.pending,
            id,
        };
        let line = RequestLine {
            id: id.into(),
            message,
        };
        if self.shared.lines.send(line.to_line()).await.is_err() {
            return Err(self.lost_now());
        }
        match answer.await {
            Ok(response) => response.into_result().map_err(CallError::Refused),
            Err(_) => Err(self.lost_now()),
        }
    }

    fn lost(&self, reason: String) -> CallError {
        CallError::Connection(ConnectionError::Lost {
            socket: self.shared.socket.clone(),
            reason,
        })
    }

    fn lost_now(&self) -> CallError {
        let pending = self
            .shared
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let reason = pending.closed.clone().unwrap_or_else(|| "closed".into());
        drop(pending);
        self.lost(reason)
    }
}

/// Removes a call's entry if it is abandoned before its answer.
struct ForgetOnDrop<'a> {
    pending: &'a SharedPending,
    id: u64,
}

impl Drop for ForgetOnDrop<'_> {
    fn drop(&mut self) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.waiting.remove(&self.id);
    }
}

/// A receiver of a connection's events.
#[derive(Debug)]
pub struct Events {
    receiver: broadcast::Receiver<Notice>,
}

impl Events {
    /// The next notice; `None` once the connection is closed.
    pub async fn next(&mut self) -> Option<Notice> {
        match self.receiver.recv().await {
            Ok(notice) => Some(notice),
            Err(broadcast::error::RecvError::Lagged(missed)) => Some(Notice::Missed(missed)),
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }
}

async fn write_lines<W: AsyncWrite + Unpin>(
    mut writer: W,
    mut lines: mpsc::Receiver<String>,
    pending: SharedPending,
) {
    while let Some(mut line) = lines.recv().await {
        line.push('\n');
        let written = async {
            writer.write_all(line.as_bytes()).await?;
            writer.flush().await
        };
        if let Err(error) = written.await {
            close(&pending, format!("cannot send: {error}"));
            return;
        }
    }
}

async fn read_lines<R: AsyncRead + Unpin>(
    reader: R,
    notices: broadcast::Sender<Notice>,
    pending: SharedPending,
) {
    let mut reader = BufReader::new(reader);
    let mut line = String::new();
    let reason = loop {
        line.clear();
        match reader.read_line(&mut line).await {
            Ok(0) => break "the manager closed the connection".to_string(),
            Ok(_) => {}
            Err(error) => break format!("cannot receive: {error}"),
        }
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        match ServerMessage::parse(text) {
            Ok(ServerMessage::Response(response)) => deliver(&pending, response),
            Ok(ServerMessage::Event(event)) => {
                let _ = notices.send(Notice::Event(event));
            }
            Ok(ServerMessage::MissedEvents(missed)) => {
                let _ = notices.send(Notice::Missed(missed));
            }
            // A newer manager may say things this client does not know; skip them.
            Err(problem) => tracing::debug!("skipping a line from the manager: {problem}"),
        }
    };
    close(&pending, reason);
}

/// Hands a response to the call waiting for it.
fn deliver(pending: &SharedPending, response: Response) {
    let waiting = response.id.as_u64().and_then(|id| {
        let mut pending = pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.waiting.remove(&id)
    });
    match waiting {
        Some(reply) => {
            let _ = reply.send(response);
        }
        // The server's reply to something it could not read carries no id; a refusal of the
        // connection as a whole looks the same.
        None if !response.ok => {
            let message = response.error.map(|e| e.message).unwrap_or_default();
            tracing::warn!("the manager says: {message}");
            if response.id.is_null() {
                close(pending, message);
            }
        }
        None => {}
    }
}
