//! The platform's local socket: a Unix domain socket, created with mode 0600 so that only its
//! owner can connect. Elsewhere (Windows, until a named-pipe transport lands) binding and
//! connecting fail with [`io::ErrorKind::Unsupported`] and a sentence saying so; the rest of the
//! crate still builds.

use std::io;
use std::path::{Path, PathBuf};

/// Why the server could not take its socket.
#[derive(Debug, thiserror::Error)]
pub enum BindError {
    /// A live server answers on the socket: another manager owns it.
    #[error("another bgassets manager is already listening on {socket}")]
    AlreadyServing {
        /// The socket's path.
        socket: PathBuf,
    },
    /// Something that is not a socket sits where the socket goes; it is left alone.
    #[error("{socket} exists and is not a socket: move it away or choose another data dir")]
    NotASocket {
        /// The socket's path.
        socket: PathBuf,
    },
    /// The path does not fit in a socket address (about 100 bytes).
    #[error("the socket path {socket} is too long for a Unix socket: choose a shorter data dir")]
    PathTooLong {
        /// The socket's path.
        socket: PathBuf,
    },
    /// The controller capability could not be written beside the socket.
    #[error(transparent)]
    Capability(#[from] super::capability::CapabilityError),
    /// A file operation on the socket or its folder failed.
    #[error("cannot {action} {path}")]
    Io {
        /// What was being done, e.g. `create the socket`.
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
}

/// The sentence for platforms without a transport yet.
pub const UNSUPPORTED: &str =
    "the bgassets local socket is not supported on this platform yet (named pipes are planned)";

#[cfg(unix)]
pub use unix::{Listener, SocketIdentity, Stream, accept, bind, connect, peer_is_owner};

#[cfg(not(unix))]
pub use other::{Listener, SocketIdentity, Stream, accept, bind, connect, peer_is_owner};

#[cfg(unix)]
mod unix {
    use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};

    use super::*;

    /// The server's listening socket.
    pub type Listener = tokio::net::UnixListener;
    /// One connection, either side.
    pub type Stream = tokio::net::UnixStream;

    /// Which file the server created, so that it removes only its own socket.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct SocketIdentity {
        dev: u64,
        ino: u64,
        /// The owner: the server's user.
        uid: u32,
    }

    impl SocketIdentity {
        fn of(path: &Path) -> io::Result<Self> {
            let meta = std::fs::symlink_metadata(path)?;
            Ok(Self {
                dev: meta.dev(),
                ino: meta.ino(),
                uid: meta.uid(),
            })
        }

        /// Whether `path` is still this socket.
        pub fn is_at(&self, path: &Path) -> bool {
            Self::of(path).is_ok_and(|other| other == *self)
        }
    }

    /// Takes `socket`: refuses when a server answers on it, replaces a stale one, and creates
    /// it with mode 0600 under a temporary name before renaming it into place, so that nobody
    /// can connect before its mode is set. `prepare` runs once the socket is known to be ours
    /// and before anyone can connect (the server writes its capability then). Needs a tokio
    /// runtime.
    pub fn bind(
        socket: &Path,
        prepare: impl FnOnce() -> Result<(), BindError>,
    ) -> Result<(Listener, SocketIdentity), BindError> {
        let io_error = |action, path: &Path| {
            let path = path.to_path_buf();
            move |source| BindError::Io {
                action,
                path,
                source,
            }
        };
        let parent = socket.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(io_error("create the folder", parent))?;
        check_existing(socket)?;
        // Unique per process and call: two servers binding at once never share it.
        static BINDS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = BINDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let temporary = parent.join(format!(".{}-{n}.sock", std::process::id()));
        let _ = std::fs::remove_file(&temporary);
        let listener = std::os::unix::net::UnixListener::bind(&temporary).map_err(|source| {
            if source.kind() == io::ErrorKind::InvalidInput {
                BindError::PathTooLong {
                    socket: socket.to_path_buf(),
                }
            } else {
                io_error("create the socket", &temporary)(source)
            }
        })?;
        let placed = std::fs::set_permissions(&temporary, std::fs::Permissions::from_mode(0o600))
            .map_err(io_error("set the mode of", &temporary))
            .and_then(|()| prepare())
            .and_then(|()| {
                std::fs::rename(&temporary, socket).map_err(io_error("move the socket to", socket))
            });
        if let Err(error) = placed {
            let _ = std::fs::remove_file(&temporary);
            return Err(error);
        }
        let identity = SocketIdentity::of(socket).map_err(io_error("inspect", socket))?;
        listener
            .set_nonblocking(true)
            .map_err(io_error("configure", socket))?;
        let listener = Listener::from_std(listener).map_err(io_error("listen on", socket))?;
        Ok((listener, identity))
    }

    /// Refuses a live socket or a file that is not a socket; a stale socket may be replaced.
    fn check_existing(socket: &Path) -> Result<(), BindError> {
        let meta = match std::fs::symlink_metadata(socket) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(source) => {
                return Err(BindError::Io {
                    action: "inspect",
                    path: socket.to_path_buf(),
                    source,
                });
            }
        };
        if !meta.file_type().is_socket() {
            return Err(BindError::NotASocket {
                socket: socket.to_path_buf(),
            });
        }
        match std::os::unix::net::UnixStream::connect(socket) {
            Ok(_) => Err(BindError::AlreadyServing {
                socket: socket.to_path_buf(),
            }),
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
                tracing::info!("replacing the stale socket {}", socket.display());
                Ok(())
            }
            Err(source) => Err(BindError::Io {
                action: "check who listens on",
                path: socket.to_path_buf(),
                source,
            }),
        }
    }

    /// The next connection.
    pub async fn accept(listener: &Listener) -> io::Result<Stream> {
        listener.accept().await.map(|(stream, _)| stream)
    }

    /// Connects to the server at `socket`.
    pub async fn connect(socket: &Path) -> io::Result<Stream> {
        Stream::connect(socket).await
    }

    /// Whether the peer runs as the user who owns the socket, that is this server's user (the
    /// socket's mode already keeps others out; this also turns away root). `Err` says who it is.
    pub fn peer_is_owner(stream: &Stream, socket: &SocketIdentity) -> Result<(), String> {
        let credentials = stream
            .peer_cred()
            .map_err(|e| format!("cannot read the peer's credentials: {e}"))?;
        if credentials.uid() == socket.uid {
            Ok(())
        } else {
            Err(format!(
                "the peer runs as uid {} and this manager as uid {}",
                credentials.uid(),
                socket.uid
            ))
        }
    }
}

#[cfg(not(unix))]
mod other {
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

    use super::*;

    /// No listener exists on this platform.
    #[derive(Debug)]
    pub enum Listener {}

    /// No stream exists on this platform.
    #[derive(Debug)]
    pub enum Stream {}

    /// No socket file exists on this platform.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct SocketIdentity;

    impl SocketIdentity {
        /// Never: there is no socket.
        pub fn is_at(&self, _path: &Path) -> bool {
            false
        }
    }

    fn unsupported() -> io::Error {
        io::Error::new(io::ErrorKind::Unsupported, UNSUPPORTED)
    }

    /// Fails: no transport on this platform yet.
    pub fn bind(
        socket: &Path,
        _prepare: impl FnOnce() -> Result<(), BindError>,
    ) -> Result<(Listener, SocketIdentity), BindError> {
        Err(BindError::Io {
            action: "listen on",
            path: socket.to_path_buf(),
            source: unsupported(),
        })
    }

    /// Never called: no listener exists.
    pub async fn accept(listener: &Listener) -> io::Result<Stream> {
        match *listener {}
    }

    /// Fails: no transport on this platform yet.
    pub async fn connect(_socket: &Path) -> io::Result<Stream> {
        Err(unsupported())
    }

    /// Never called: no stream exists.
    pub fn peer_is_owner(stream: &Stream, _socket: &SocketIdentity) -> Result<(), String> {
        match *stream {}
    }

    impl AsyncRead for Stream {
        fn poll_read(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            _: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            match *self {}
        }
    }

    impl AsyncWrite for Stream {
        fn poll_write(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            _: &[u8],
        ) -> Poll<io::Result<usize>> {
            match *self {}
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            match *self {}
        }
        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            match *self {}
        }
    }
}
