//! The socket server: takes the manager's socket, writes a fresh controller capability beside
//! it, accepts connections (of its own user only) and serves each on its own task until the
//! shutdown token fires. It knows the manager only as a [`Service`] (calls and events), so tests
//! drive it with a fake.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::capability::Capability;
use super::connection;
use super::protocol::{ResponseLine, ServerMessage};
use super::service::Service;
use super::socket::{self, BindError, Listener, SocketIdentity};
use crate::manager::api::ApiError;
use crate::model::ErrorKind;

/// Connections served at once; more are told so and closed.
pub const MAX_CONNECTIONS: usize = 512;

/// A bound socket, ready to serve.
#[derive(Debug)]
pub struct SocketServer {
    listener: Listener,
    socket: PathBuf,
    identity: SocketIdentity,
    capability: Arc<Capability>,
    capability_file: PathBuf,
}

/// Where the server beside `socket` writes its capability: the same folder, named
/// [`crate::store::paths::CAPABILITY_FILE`] (so [`crate::store::Paths::capability_file`]).
pub fn capability_file(socket: &Path) -> PathBuf {
    socket.with_file_name(crate::store::paths::CAPABILITY_FILE)
}

impl SocketServer {
    /// Takes `socket` (normally [`crate::store::Paths::socket_path`]): creates its folder and the
    /// socket with mode 0600, replaces a stale socket nobody listens on, and refuses when another
    /// server answers there. Before the socket appears, a new capability replaces the file
    /// beside it ([`capability_file`], mode 0600). Needs a tokio runtime.
    pub fn bind(socket: impl Into<PathBuf>) -> Result<Self, BindError> {
        let socket = socket.into();
        let capability = Capability::generate()?;
        let capability_file = capability_file(&socket);
        let (listener, identity) =
            socket::bind(&socket, || Ok(capability.save(&capability_file)?))?;
        tracing::info!("listening on {}", socket.display());
        Ok(Self {
            listener,
            socket,
            identity,
            capability: Arc::new(capability),
            capability_file,
        })
    }

    /// The file holding the capability controllers must offer.
    pub fn capability_file(&self) -> &Path {
        &self.capability_file
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
                            connections.spawn(connection::serve(
                                service.clone(),
                                stream,
                                id,
                                self.capability.clone(),
                            ));
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
    /// Removes the socket and the capability file, unless another server has replaced them.
    fn drop(&mut self) {
        self.capability.remove_if_ours(&self.capability_file);
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
    let line =
        ServerMessage::Response(ResponseLine::failure(serde_json::Value::Null, error)).to_line();
    let mut stream = stream;
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        stream.write_all(format!("{line}\n").as_bytes()).await?;
        stream.shutdown().await
    })
    .await;
}
