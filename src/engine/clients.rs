//! The engine's HTTP clients: one for plain HTTP (loopback, hosts allowed explicitly) that
//! never needs a certificate, and one for HTTPS, built on the first HTTPS request. Building an
//! HTTPS client loads every certificate the system trusts (on Debian the bundle, then each file
//! of `/etc/ssl/certs` again: about 5 ms, most of an engine's start), which an engine that only
//! ever reaches a local server does for nothing. Certificates given with `--cacert` are read at
//! start all the same, so a bad one is refused before any download.

use std::sync::OnceLock;
use std::time::Duration;

use url::Url;

use super::EngineError;
use super::config::EngineConfig;

/// The two clients; which one a URL takes is [`Clients::for_url`].
#[derive(Debug)]
pub struct Clients {
    plain: reqwest::Client,
    secure: OnceLock<Result<reqwest::Client, String>>,
    extra_roots: Vec<reqwest::Certificate>,
    connect_timeout: Duration,
}

impl Clients {
    /// Reads the extra certificates and builds the plain client.
    pub fn new(config: &EngineConfig) -> Result<Self, EngineError> {
        let mut extra_roots = Vec::new();
        for path in &config.extra_root_certificates {
            let pem = std::fs::read(path).map_err(|source| EngineError::Certificate {
                path: path.clone(),
                source,
            })?;
            let certificate = reqwest::Certificate::from_pem(&pem)
                .map_err(|e| EngineError::Http(format!("{}: {e}", path.display())))?;
            extra_roots.push(certificate);
        }
        let plain = builder(config.retry.connect_timeout)
            // Plain HTTP has no certificate to check: no store is loaded for it.
            .tls_certs_only(std::iter::empty())
            .build()
            .map_err(|e| EngineError::Http(e.to_string()))?;
        Ok(Self {
            plain,
            secure: OnceLock::new(),
            extra_roots,
            connect_timeout: config.retry.connect_timeout,
        })
    }

    /// The client for `url`: the plain one for `http`, the HTTPS one (built now if it is the
    /// first) for anything else. Blocking the first time for an HTTPS URL (the system's
    /// certificates are read); [`Clients::warm`] does that off the async threads.
    pub fn for_url(&self, url: &Url) -> Result<&reqwest::Client, String> {
        if url.scheme() == "http" {
            return Ok(&self.plain);
        }
        self.secure
            .get_or_init(|| {
                let mut builder = builder(self.connect_timeout);
                for root in &self.extra_roots {
                    builder = builder.tls_certs_merge([root.clone()]);
                }
                builder
                    .build()
                    .map_err(|e| format!("cannot set up the HTTPS client: {e}"))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Builds the HTTPS client now when `url` will need it. Blocking.
    pub fn warm(&self, url: &Url) {
        if url.scheme() != "http" {
            let _ = self.for_url(url);
        }
    }
}

fn builder(connect_timeout: Duration) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .user_agent(concat!("bgassets/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(connect_timeout)
        // Workers follow redirects themselves, checking each host against the allow list.
        .redirect(reqwest::redirect::Policy::none())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_never_builds_the_https_client() {
        let clients = Clients::new(&EngineConfig::default()).unwrap();
        let url: Url = "http://127.0.0.1:1/a.zip".parse().unwrap();
        assert!(clients.for_url(&url).is_ok());
        clients.warm(&url);
        assert!(clients.secure.get().is_none(), "no certificate store read");
        let secure: Url = "https://127.0.0.1:1/a.zip".parse().unwrap();
        clients.warm(&secure);
        assert!(clients.secure.get().is_some_and(Result::is_ok));
    }

    #[test]
    fn a_missing_certificate_is_refused_at_start() {
        let config = EngineConfig {
            extra_root_certificates: vec!["/nonexistent/ca.pem".into()],
            ..EngineConfig::default()
        };
        let error = Clients::new(&config).unwrap_err();
        assert!(error.to_string().contains("/nonexistent/ca.pem"), "{error}");
    }
}
