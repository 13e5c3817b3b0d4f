//! What a server is started with ([`ServeConfig`]), what it announces once listening
//! ([`Announcement`], the one JSON line `bgassets serve` prints), and why starting can fail
//! ([`ServeError`]).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::faults::{FaultError, Faults};
use super::gate::TokenGate;

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
    /// Listen on an address other than loopback (the server has no authentication).
    pub allow_remote: bool,
    /// Header timeout and connection cap.
    pub limits: ConnLimits,
    /// `--require-token`: every file but the public ones needs the secret (a bearer token or a
    /// signed URL); `None` serves every file to anyone.
    pub token: Option<TokenGate>,
}

/// How slow and how many clients may be: the answer to slowloris and connection floods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnLimits {
    /// Time a client has to send a request's headers (also a control request's body); an idle
    /// keep-alive connection is closed after it too.
    pub header_read_timeout: Duration,
    /// Connections served at once; further ones wait in the listen backlog until one ends.
    pub max_connections: usize,
}

/// The default header timeout.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The default connection cap.
pub const DEFAULT_MAX_CONNECTIONS: usize = 256;
/// The longest header timeout accepted.
pub const MAX_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(3600);

impl Default for ConnLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

impl ConnLimits {
    /// Refuses a zero cap and a header timeout of zero or over an hour.
    pub fn validate(&self) -> Result<(), ServeError> {
        if self.max_connections == 0 {
            return Err(ServeError::Limit {
                what: "max connections",
                problem: "must be at least 1".into(),
            });
        }
        let timeout = self.header_read_timeout;
        if timeout.is_zero() || timeout > MAX_HEADER_READ_TIMEOUT {
            return Err(ServeError::Limit {
                what: "header timeout",
                problem: format!("{timeout:?} is not between 1 ms and 1 hour"),
            });
        }
        Ok(())
    }
}

/// Whether the server may listen on `ip`: loopback always (IPv4-mapped IPv6 included), any
/// other address only when `allow_remote` is set.
pub fn may_listen_on(ip: IpAddr, allow_remote: bool) -> bool {
    allow_remote || ip.to_canonical().is_loopback()
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
            allow_remote: false,
            limits: ConnLimits::default(),
            token: None,
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
    /// The served directory does not exist.
    #[error("cannot serve {}: no such directory", path.display())]
    RootMissing {
        /// The directory asked for.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The served path is not a directory.
    #[error("cannot serve {}: not a directory", path.display())]
    RootNotADirectory {
        /// The path asked for.
        path: PathBuf,
    },
    /// The address is not a loopback one, and listening there was not asked for.
    #[error(
        "refusing to listen on {addr}: not a loopback address, and the mock server has no \
         authentication (anyone who reaches it can read its request log and change its faults); \
         pass --allow-remote to listen there anyway"
    )]
    NotLoopback {
        /// The address.
        addr: SocketAddr,
    },
    /// A connection limit (the cap, the header timeout) is out of range.
    #[error("invalid {what}: {problem}")]
    Limit {
        /// The limit.
        what: &'static str,
        /// What is wrong with its value.
        problem: String,
    },
    /// The certificate directory holds the served directory: its key would be served.
    #[error(
        "the certificate directory {} holds the served directory {}: its private key would be \
         served; choose a --cert-dir outside it",
        cert_dir.display(), root.display()
    )]
    CertDirHoldsRoot {
        /// The certificate directory.
        cert_dir: PathBuf,
        /// The served directory.
        root: PathBuf,
    },
    /// The address could not be bound.
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// The certificate directory could not be created.
    #[error("cannot create the certificate directory {}", path.display())]
    CertDir {
        /// The directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A file (certificate, key) could not be written.
    #[error("cannot write {}", path.display())]
    WriteFile {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The self-signed certificate could not be generated.
    #[error("cannot generate the self-signed TLS certificate")]
    Certificate {
        /// The generator's error.
        source: rcgen::Error,
    },
    /// TLS could not be set up with the certificate.
    #[error("cannot set up TLS with the generated certificate")]
    Tls {
        /// The TLS library's error.
        source: tokio_rustls::rustls::Error,
    },
    /// The clock is past what a certificate can be dated with.
    #[error("the system clock is too far in the future to date a certificate")]
    Clock,
    /// The faults given are refused.
    #[error("invalid faults")]
    Faults {
        /// Which fault, and why.
        #[from]
        source: FaultError,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv6Addr;

    #[test]
    fn only_loopback_is_allowed_unless_asked() {
        let mapped = Ipv4Addr::LOCALHOST.to_ipv6_mapped();
        for ip in [
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V4(Ipv4Addr::new(127, 3, 2, 1)),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
            IpAddr::V6(mapped),
        ] {
            assert!(may_listen_on(ip, false), "{ip}");
        }
        for ip in [
            IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            IpAddr::V6(Ipv6Addr::UNSPECIFIED),
            IpAddr::V4(Ipv4Addr::new(192, 168, 1, 2)),
            IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
        ] {
            assert!(!may_listen_on(ip, false), "{ip}");
            assert!(may_listen_on(ip, true), "{ip}");
        }
    }

    #[test]
    fn limits_refuse_zero_and_absurd_values() {
        assert!(ConnLimits::default().validate().is_ok());
        let zero_cap = ConnLimits {
            max_connections: 0,
            ..ConnLimits::default()
        };
        assert!(
            zero_cap
                .validate()
                .unwrap_err()
                .to_string()
                .contains("max connections")
        );
        for timeout in [Duration::ZERO, Duration::from_secs(3601)] {
            let limits = ConnLimits {
                header_read_timeout: timeout,
                ..ConnLimits::default()
            };
            assert!(
                limits
                    .validate()
                    .unwrap_err()
                    .to_string()
                    .contains("header timeout")
            );
        }
    }
}
