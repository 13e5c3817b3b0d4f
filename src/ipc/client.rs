//! The socket's client side: a [`Connection`] says `hello` (as an app, or as a controller with
//! the capability file's secret), sends requests with fresh ids, matches responses to them
//! (several may be in flight) and reads each result as its verb's [`Response`] (so it is a
//! [`ManagerApi`]), and hands events to any number of [`Events`] receivers.
//! `bgassets ctl`, the window and the app-facing [`crate::client`] are built on it.
//!
//! `status` follows the document: the connection keeps the last one and asks what changed
//! ([`follow`]).
//!
//! Two tasks own the socket: a writer (so that a cancelled call never leaves half a line) and a
//! reader. Both stop when the last clone of the connection is dropped.

mod follow;
mod lines;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{broadcast, mpsc, oneshot};

use lines::{ForgetOnDrop, SharedPending, read_lines, write_lines};

use super::authority::Role;
use super::capability::{Capability, CapabilityError};
use super::protocol::{ClientMessage, Hello, Offered, RequestLine, kind_name};
use super::socket;
use crate::manager::api::{ApiError, ManagerApi, Mismatch, Request, Response};
use crate::manager::event::ManagerEvent;

/// Events kept for a slow receiver before it misses some.
const EVENT_BUFFER: usize = 1024;

/// The manager could not be reached, or the connection broke.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    /// Nothing listens on the socket (no file, or a stale one): no manager runs on that data dir.
    #[error("no bgassets manager is running: nothing listens on {socket}")]
    NotRunning {
        /// The socket's path.
        socket: PathBuf,
        /// The error connecting gave.
        #[source]
        source: io::Error,
    },
    /// Something listens on the socket, but connecting failed.
    #[error("cannot connect to the bgassets manager on {socket}")]
    Connect {
        /// The socket's path.
        socket: PathBuf,
        /// The error connecting gave.
        #[source]
        source: io::Error,
    },
    /// The connection broke after it was made.
    #[error("the connection to the bgassets manager on {socket} was lost: {reason}")]
    Lost {
        /// The socket's path.
        socket: PathBuf,
        /// What broke it.
        reason: String,
    },
}

/// Why a call has no result.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The manager could not be reached, or the connection broke.
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

impl From<Mismatch> for CallError {
    fn from(mismatch: Mismatch) -> Self {
        Self::Protocol(mismatch.to_string())
    }
}

/// What a subscriber receives.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    /// Something happened in the manager.
    Event(ManagerEvent),
    /// Some events were lost (this side or the server's read too slowly): re-read the state.
    Missed(u64),
}

struct Shared {
    socket: PathBuf,
    lines: mpsc::Sender<String>,
    pending: SharedPending,
    next_id: AtomicU64,
    /// Kept to make more receivers; the reader task holds the only sender.
    events: broadcast::Receiver<Notice>,
    tasks: [tokio::task::AbortHandle; 2],
    /// The last status document received, to ask only what changed since.
    follower: follow::StatusFollower,
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
            .map(drop)
    }

    /// Says who this connection is; the manager allows nothing else before it. The role it
    /// took comes back.
    pub async fn hello(&self, hello: Hello) -> Result<Role, CallError> {
        let result = self.send(ClientMessage::Hello(hello)).await?;
        serde_json::from_value(result)
            .map_err(|e| CallError::Protocol(format!("unreadable result of `hello`: {e}")))
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
                follower: follow::StatusFollower::default(),
            }),
        }
    }

    /// The socket this connection talks to.
    pub fn socket(&self) -> &Path {
        &self.shared.socket
    }

    /// Sends `request` and waits for the manager's answer, read as the verb's [`Response`].
    pub async fn call(&self, request: Request) -> Result<Response, CallError> {
        let result = self.send(ClientMessage::Request(request.clone())).await?;
        request.decode_result(result).map_err(|e| {
            CallError::Protocol(format!("unreadable result of `{}`: {e}", request.method()))
        })
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

impl ManagerApi for Connection {
    type Error = CallError;

    fn call(
        &self,
        request: Request,
    ) -> impl std::future::Future<Output = Result<Response, CallError>> + Send {
        Connection::call(self, request)
    }

    /// The whole state, fetched as what changed since this connection's last `status`.
    fn status(
        &self,
    ) -> impl std::future::Future<Output = Result<crate::manager::view::StatusDocument, CallError>> + Send
    {
        self.shared.follower.status(self)
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
