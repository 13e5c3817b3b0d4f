//! What a server is started with ([`ServeConfig`]), what it announces once listening
//! ([`Announcement`], the one JSON line `bgassets serve` prints), and why starting can fail
//! ([`ServeError`]).

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::faults::{FaultError, Faults};

/// How to start a mock server.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The directory to serve (a `manifest.json` and pack archives, as `bgassets pack index`
    /// makes them).
    pub root: PathBuf,
    /// Where to listen; port 0 lets the system choose.
    pub addr: SocketAddr,
    /// Serve HTTPS with a self-signed certificate made at start.
    pub tls: bool,
    /// Where to write `cert.pem` and `key.pem`; a temporary directory when `None`.
    pub cert_dir: Option<PathBuf>,
    /// The faults to start with.
    pub faults: Faults,
}

impl ServeConfig {
    /// Plain HTTP on `127.0.0.1`, a port the system chooses, no faults.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            tls: false,
            cert_dir: None,
            faults: Faults::default(),
        }
    }
}

/// The line `bgassets serve` prints once listening, for scripts and tests to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Announcement {
    /// The base URL, ending in `/`.
    pub listening: String,
    /// The URL of `manifest.json`.
    pub manifest: String,
    /// The served directory, absolute and canonical.
    pub root: PathBuf,
    /// `cert.pem` to trust when serving HTTPS, else `null`.
    pub cert: Option<PathBuf>,
}

/// Why a server could not start or a change was refused.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot serve {}: no such directory", path.display())]
    RootMissing {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot serve {}: not a directory", path.display())]
    RootNotADirectory { path: PathBuf },
    #[error("cannot listen on {addr}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot create the certificate directory {}", path.display())]
    CertDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {}", path.display())]
    WriteFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot generate the self-signed TLS certificate")]
    Certificate { source: rcgen::Error },
    #[error("cannot set up TLS with the generated certificate")]
    Tls { source: tokio_rustls::rustls::Error },
    #[error("the system clock is too far in the future to date a certificate")]
    Clock,
    #[error("invalid faults")]
    Faults {
        #[from]
        source: FaultError,
    },
}
