//! The mock server behind `bgassets serve DIR`: serves a directory made by `bgassets pack
//! index` (the manifest and the pack archives) over HTTP/1.1 or HTTPS, with `Range`, `ETag`,
//! `Last-Modified`, `If-Range` and `If-None-Match`, and injects faults (latency, rate limit,
//! failures, dropped and stalled bodies, ignored ranges, changing ETags, corruption) that can be
//! changed while it runs; with `--require-token` its files need a bearer token or a signed URL.
//! The engine's tests and the GUI's `--demo` embed it in-process through
//! [`Server`]; `docs/serve.md` documents it for people.
//!
//! - [`config`]: [`ServeConfig`], the [`Announcement`] line, [`ServeError`].
//! - [`faults`]: [`Faults`] and their validation; `fault_json`: their JSON forms and the partial
//!   updates the control endpoint accepts.
//! - `conn`: the accept loop (at most `max_connections` at once), TLS handshakes and HTTP/1.1
//!   connections (slow headers time out).
//! - [`route`]: the request path, parsed once: the control endpoint's exact spelling, a safe
//!   file path, or a named refusal.
//! - `handler`: one request to one response: validators, ranges, request faults.
//! - [`token`]: the secret, signed URLs and checking a request's credentials (pure); [`gate`]:
//!   which files need them under `--require-token` (all but the manifests and `--public`).
//! - [`files`]: file paths to files, safely (never the certificate directory); `ETag` and
//!   `Content-Type`.
//! - [`range`]: `Range`, `If-Range`, `If-None-Match`, `If-Modified-Since` parsing.
//! - `body`: streaming file bodies and the body faults (rate, drop, stall, corrupt).
//! - [`rate`]: the global token bucket behind `rate`.
//! - [`control`]: the `/_bgassets/` control endpoint.
//! - [`log`]: the request log.
//! - [`tls`]: the self-signed certificate and the TLS acceptor.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

mod body;
pub mod config;
mod conn;
pub mod control;
mod fault_json;
pub mod faults;
pub mod files;
pub mod gate;
mod handler;
pub mod log;
pub mod range;
pub mod rate;
pub mod route;
mod state;
pub mod tls;
pub mod token;

pub use config::{Announcement, ConnLimits, ServeConfig, ServeError};
pub use faults::{FaultError, Faults};
pub use gate::TokenGate;
pub use log::{Outcome, RequestRecord};

use state::Shared;

/// A running mock server. Dropping it stops it too; [`Server::shutdown`] also waits for that.
#[derive(Debug)]
pub struct Server {
    local_addr: SocketAddr,
    url: String,
    cert: Option<tls::TlsSetup>,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Server {
    /// Checks the root, the address and the limits, prepares TLS if asked, binds the address
    /// and starts serving in the background of the current tokio runtime.
    pub async fn start(config: ServeConfig) -> Result<Server, ServeError> {
        config.faults.validate()?;
        config.limits.validate()?;
        if !config::may_listen_on(config.addr.ip(), config.allow_remote) {
            return Err(ServeError::NotLoopback { addr: config.addr });
        }
        let root = tokio::fs::canonicalize(&config.root)
            .await
            .map_err(|source| ServeError::RootMissing {
                path: config.root.clone(),
                source,
            })?;
        if !root.is_dir() {
            return Err(ServeError::RootNotADirectory { path: config.root });
        }
        if !root.join("manifest.json").is_file() {
            tracing::warn!(root = %root.display(), "no manifest.json in the served directory");
        }
        let cert = match config.tls {
            true => Some(tls::setup(config.cert_dir.as_deref(), &root)?),
            false => None,
        };
        let hidden = cert.as_ref().map(|cert| cert.dir.clone());
        if let Some(dir) = hidden.as_ref().filter(|dir| dir.starts_with(&root)) {
            tracing::warn!(
                cert_dir = %dir.display(),
                "the certificate directory is inside the served directory: it is hidden, \
                 every file in it answers 404"
            );
        }
        if !config.addr.ip().to_canonical().is_loopback() {
            tracing::warn!(addr = %config.addr, "listening beyond loopback (--allow-remote): \
                anyone who reaches this address can read the request log and change the faults");
        }
        let listener = TcpListener::bind(config.addr)
            .await
            .map_err(|source| ServeError::Bind {
                addr: config.addr,
                source,
            })?;
        let local_addr = listener.local_addr().map_err(|source| ServeError::Bind {
            addr: config.addr,
            source,
        })?;
        let url = base_url(local_addr, cert.is_some());
        if let Some(gate) = &config.token {
            let mut public = String::from("*.json at the root");
            for path in gate.public_paths() {
                public.push_str(&format!(", {}", path.as_path().display()));
            }
            tracing::info!(
                %public,
                "files need a token (`Authorization: Bearer …` or a signed URL) except the public ones"
            );
        }
        let mut shared = Shared::new(root, hidden, config.limits, config.faults);
        shared.gate = config.token;
        let shared = Arc::new(shared);
        let (stop, stopped) = watch::channel(false);
        let acceptor = cert.as_ref().map(|cert| cert.acceptor.clone());
        let task = tokio::spawn(conn::accept_loop(
            listener,
            acceptor,
            shared.clone(),
            stopped,
        ));
        tracing::info!(%url, root = %shared.root.display(), faults = %shared.faults().summary(), "serving");
        Ok(Server {
            local_addr,
            url,
            cert,
            shared,
            stop,
            task: Some(task),
        })
    }

    /// The base URL, ending in `/`: `http://127.0.0.1:PORT/`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The URL of a file under the root: `url_of("packs/a.zip")`.
    pub fn url_of(&self, path: &str) -> String {
        format!("{}{}", self.url, path.trim_start_matches('/'))
    }

    /// The URL of `manifest.json`.
    pub fn manifest_url(&self) -> String {
        self.url_of("manifest.json")
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The served directory, canonical.
    pub fn root(&self) -> &Path {
        &self.shared.root
    }

    /// `cert.pem` when serving HTTPS.
    pub fn cert_pem_path(&self) -> Option<&Path> {
        self.cert.as_ref().map(|cert| cert.cert_path.as_path())
    }

    /// The certificate in PEM form when serving HTTPS, for in-process clients to trust.
    pub fn cert_pem(&self) -> Option<&str> {
        self.cert.as_ref().map(|cert| cert.cert_pem.as_str())
    }

    /// What `bgassets serve` prints once listening.
    pub fn announcement(&self) -> Announcement {
        Announcement {
            listening: self.url.clone(),
            manifest: self.manifest_url(),
            root: self.shared.root.clone(),
            cert: self.cert_pem_path().map(Path::to_path_buf),
        }
    }

    /// The faults in force.
    pub fn faults(&self) -> Faults {
        self.shared.faults()
    }

    /// Replaces the faults; responses already streaming see the new body faults at their next
    /// chunk. A `seed` reseeds the `fail_rate` generator.
    pub fn set_faults(&self, faults: Faults) -> Result<(), FaultError> {
        faults.validate()?;
        tracing::info!(faults = %faults.summary(), "faults changed");
        self.shared.replace_faults(faults, true);
        Ok(())
    }

    /// A snapshot of the request log, oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.log.snapshot()
    }

    /// Forgets the request log.
    pub fn clear_requests(&self) {
        self.shared.log.clear();
    }

    /// How many logged requests were for `path` (`"packs/a.zip"` or `"/packs/a.zip"`).
    pub fn hits(&self, path: &str) -> usize {
        self.shared.log.hits(path)
    }

    /// Stops accepting, aborts open connections and waits until they are gone.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// `http://127.0.0.1:PORT/`; an unspecified bind address is reached through loopback.
fn base_url(addr: SocketAddr, tls: bool) -> String {
    let scheme = if tls { "https" } else { "http" };
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("{scheme}://{}/", SocketAddr::new(ip, addr.port()))
}
