//! The socket server: takes the manager's socket, accepts connections and serves each on its own
//! task until the shutdown token fires. It knows the manager only as a [`Service`] (calls and
//! events), so tests drive it with a fake.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::broadcast;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::connection;
use super::protocol::{Response, ServerMessage};
use super::socket::{self, BindError, Listener, SocketIdentity};
use crate::manager::api::{ApiError, Request};
use crate::manager::event::ManagerEvent;
use crate::model::ErrorKind;

/// Connections served at once; more are told so and closed.
pub const MAX_CONNECTIONS: usize = 512;

/// What the server serves: the manager, or a fake in tests.
pub trait Service: Clone + Send + Sync + 'static {
    /// Answers one request.
    fn call(
        &self,
        request: Request,
    ) -> impl Future<Output = Result<serde_json::Value, ApiError>> + Send;

    /// Events from now on.
    fn subscribe(&self) -> broadcast::Receiver<ManagerEvent>;
}

/// A bound socket, ready to serve.
#[derive(Debug)]
pub struct SocketServer {
    listener: Listener,
    socket: PathBuf,
    identity: SocketIdentity,
}

impl SocketServer {
    /// Takes `socket` (normally [`crate::store::Paths::socket_path`]): creates its folder and the
    /// socket with mode 0600, replaces a stale socket nobody listens on, and refuses when another
    /// server answers there. Needs a tokio runtime.
    pub fn bind(socket: impl Into<PathBuf>) -> Result<Self, BindError> {
        let socket = socket.into();
        let (listener, identity) = socket::bind(&socket)?;
        tracing::info!("listening on {}", socket.display());
        Ok(Self {
            listener,
            socket,
            identity,
        })
    }

    /// The socket's path.
    pub fn socket_path(&self) -> &Path {
        &self.socket
    }

    /// Serves connections until `shutdown` fires, then closes them all and removes the socket.
    pub async fn serve<S: Service>(self, service: S, shutdown: CancellationToken) {
        let next_id = AtomicU64::new(1);
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                Some(_) = connections.join_next() => {}
                accepted = socket::accept(&self.listener) => match accepted {
                    Ok(stream) => {
                        let id = next_id.fetch_add(1, Ordering::Relaxed);
                        if let Err(reason) = socket::peer_is_owner(&stream, &self.identity) {
                            tracing::warn!(connection = id, "refusing a connection: {reason}");
                            connections.spawn(refuse(stream, reason));
                        } else if connections.len() >= MAX_CONNECTIONS {
                            tracing::warn!(connection = id, "refusing a connection: {MAX_CONNECTIONS} already open");
                            connections.spawn(refuse(stream, format!("too many connections ({MAX_CONNECTIONS})")));
                        } else {
                            tracing::debug!(connection = id, "connected");
                            connections.spawn(connection::serve(service.clone(), stream, id));
                        }
                    }
                    Err(error) => {
                        // Out of file descriptors and the like: wait instead of spinning.
                        tracing::warn!("cannot accept a connection on {}: {error}", self.socket.display());
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                },
            }
        }
        connections.shutdown().await;
        tracing::info!("stopped listening on {}", self.socket.display());
    }
}

impl Drop for SocketServer {
    /// Removes the socket, unless another server has replaced it since.
    fn drop(&mut self) {
        if self.identity.is_at(&self.socket)
            && let Err(error) = std::fs::remove_file(&self.socket)
        {
            tracing::warn!(
                "cannot remove the socket {}: {error}",
                self.socket.display()
            );
        }
    }
}

/// Tells a connection it is not accepted, then closes it.
async fn refuse(stream: socket::Stream, reason: String) {
    use tokio::io::AsyncWriteExt;
    let error = ApiError::new(
        ErrorKind::CallerConnectionNotAccepted,
        format!("connection not accepted: {reason}"),
    );
    let line = ServerMessage::Response(Response::failure(serde_json::Value::Null, error)).to_line();
    let mut stream = stream;
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        stream.write_all(format!("{line}\n").as_bytes()).await?;
        stream.shutdown().await
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// The real manager as a service.

impl Service for crate::manager::ManagerHandle {
    fn call(
        &self,
        request: Request,
    ) -> impl Future<Output = Result<serde_json::Value, ApiError>> + Send {
        crate::manager::ManagerHandle::call(self, request)
    }

    fn subscribe(&self) -> broadcast::Receiver<ManagerEvent> {
        crate::manager::ManagerHandle::subscribe(self)
    }
}
