//! The engine's HTTP clients: one for plain HTTP (loopback, hosts allowed explicitly) that
//! never needs a certificate, and one for HTTPS, built on the first HTTPS request. Building an
//! HTTPS client loads every certificate the system trusts (on Debian the bundle, then each file
//! of `/etc/ssl/certs` again: about 5 ms, most of an engine's start), which an engine that only
//! ever reaches a local server does for nothing. Certificates given with `--cacert` are parsed
//! at start all the same (into a store of their own, without the system's), so a bad one is
//! refused before any download. The HTTPS client is built off the async threads, and a build
//! that fails is tried again by the next HTTPS request (certificates may be installed since).
//! Behind an HTTPS proxy (`HTTP_PROXY=https://…`), plain HTTP goes through TLS to the proxy,
//! so it takes the HTTPS client too.

use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use url::Url;

use super::EngineError;
use super::config::EngineConfig;

/// The two clients; which one a URL takes is [`Clients::for_url`].
#[derive(Debug)]
pub struct Clients {
    /// `None` behind an HTTPS proxy: plain HTTP then takes the HTTPS client.
    plain: Option<reqwest::Client>,
    secure: Arc<OnceLock<reqwest::Client>>,
    settings: Arc<Settings>,
}

/// What the HTTPS client is built from.
#[derive(Debug)]
struct Settings {
    extra_roots: Vec<reqwest::Certificate>,
    connect_timeout: Duration,
    /// Held while the HTTPS client is built, so that attempts starting together build it once.
    building: Mutex<()>,
}

impl Clients {
    /// Reads and checks the extra certificates and builds the plain client.
    pub fn new(config: &EngineConfig) -> Result<Self, EngineError> {
        let mut extra_roots = Vec::new();
        for path in &config.extra_root_certificates {
            let pem = std::fs::read(path).map_err(|source| EngineError::Certificate {
                path: path.clone(),
                source,
            })?;
            let refused =
                |problem: String| EngineError::Http(format!("{}: {problem}", path.display()));
            let certificates =
                reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| refused(e.to_string()))?;
            if certificates.is_empty() {
                return Err(refused("no PEM certificate in the file".to_string()));
            }
            // Parsed only when a client is built: one with these certificates alone.
            builder(config.retry.connect_timeout)
                .tls_certs_only(certificates.iter().cloned())
                .build()
                .map_err(|e| refused(e.to_string()))?;
            extra_roots.extend(certificates);
        }
        let connect_timeout = config.retry.connect_timeout;
        let plain = match https_proxy(|name| std::env::var(name).ok()) {
            true => None,
            false => Some(
                builder(connect_timeout)
                    // Plain HTTP has no certificate to check: no store is loaded for it.
                    .tls_certs_only(std::iter::empty())
                    .build()
                    .map_err(|e| EngineError::Http(e.to_string()))?,
            ),
        };
        Ok(Self {
            plain,
            secure: Arc::default(),
            settings: Arc::new(Settings {
                extra_roots,
                connect_timeout,
                building: Mutex::new(()),
            }),
        })
    }

    /// The client for `url`: the plain one for `http`, the HTTPS one for anything else (built
    /// now, on a blocking thread, if this is the first HTTPS request).
    pub async fn for_url(&self, url: &Url) -> Result<reqwest::Client, String> {
        if url.scheme() == "http"
            && let Some(plain) = &self.plain
        {
            return Ok(plain.clone());
        }
        if let Some(secure) = self.secure.get() {
            return Ok(secure.clone());
        }
        let (settings, secure) = (Arc::clone(&self.settings), Arc::clone(&self.secure));
        tokio::task::spawn_blocking(move || secure_client(&settings, &secure))
            .await
            .map_err(|e| format!("the thread setting up HTTPS stopped: {e}"))?
    }

    /// Builds the HTTPS client now when `url` will need it and it is not built yet. Blocking;
    /// a failure is left for [`Clients::for_url`] to report.
    pub fn warm(&self, url: &Url) {
        if url.scheme() != "http" || self.plain.is_none() {
            let _ = secure_client(&self.settings, &self.secure);
        }
    }
}

/// The HTTPS client, built now (once, however many ask together) if it is not yet; a failure
/// is not kept, so the next request tries again. Blocking.
fn secure_client(
    settings: &Settings,
    secure: &OnceLock<reqwest::Client>,
) -> Result<reqwest::Client, String> {
    if let Some(client) = secure.get() {
        return Ok(client.clone());
    }
    let _building = settings
        .building
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(client) = secure.get() {
        return Ok(client.clone());
    }
    let built = builder(settings.connect_timeout)
        .tls_certs_merge(settings.extra_roots.iter().cloned())
        .build()
        .map_err(|e| format!("cannot set up HTTPS: {e}"))?;
    Ok(secure.get_or_init(|| built).clone())
}

/// Whether the proxy settings reqwest reads from the environment send plain HTTP through an
/// HTTPS proxy (which needs TLS, and so the certificates).
fn https_proxy(var: impl Fn(&str) -> Option<String>) -> bool {
    ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"]
        .iter()
        .filter_map(|name| var(name))
        .any(|value| {
            value
                .trim()
                .get(..8)
                .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
        })
}

fn builder(connect_timeout: Duration) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .user_agent(concat!("bgassets/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(connect_timeout)
        // Workers follow redirects themselves, checking each host against the allow list.
        .redirect(reqwest::redirect::Policy::none())
}

#[cfg(test)]
#[path = "clients_tests.rs"]
mod tests;
