//! Fetching an app's manifest from `BAManifestURL`: HTTPS required (loopback and hosts given with
//! `--allow-insecure-host` excepted), every hop of a redirect checked against
//! `BADownloadDomainAllowList` (the refusal names the host), `If-None-Match` with the cached ETag,
//! a body bounded while it streams ([`MAX_MANIFEST_BYTES`]), and a cache on disk so a manager
//! that restarts offline still knows its packs.

use std::path::Path;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{ETAG, IF_NONE_MATCH, LOCATION};
use url::Url;

use crate::model::{App, ErrorKind, PackError, ServerManifest};

/// Redirects followed for a manifest.
const MAX_REDIRECTS: usize = 10;

/// The largest manifest body read (8 MiB, some 20,000 packs): enforced while the body
/// streams, so a server sending more never makes the manager buffer it.
pub const MAX_MANIFEST_BYTES: usize = 8 << 20;

/// A manifest as fetched.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The manifest, parsed and validated.
    pub manifest: ServerManifest,
    /// Its ETag, when the server sent one.
    pub etag: Option<String>,
    /// False when the server answered 304 and the cached manifest was used.
    pub changed: bool,
    /// The URL the manifest came from after redirects: pack URLs resolve against it.
    pub url: Url,
}

/// Whether plain HTTP to `url` is acceptable: loopback, or a host explicitly allowed (the
/// engine applies the same rule to every hop of a pack download).
pub use crate::engine::transport::insecure_allowed;

/// Refuses a URL that is not HTTPS (unless allowed) or whose host the allow list does not cover.
pub fn check_url(app: &App, url: &Url, insecure_hosts: &[String]) -> Result<(), PackError> {
    let host = url.host_str().unwrap_or_default();
    let allowed_http = url.scheme() == "http" && insecure_allowed(url, insecure_hosts);
    // Said in the timeline: a user name, password or presigned query never shows.
    let https = url.scheme() == "https";
    let url = crate::model::url_shown::shown_url(url);
    if !https && !allowed_http {
        return Err(PackError::new(
            ErrorKind::HostNotAllowed,
            format!(
                "{url}: HTTPS is required (plain HTTP only for loopback or --allow-insecure-host {host})"
            ),
        ));
    }
    if !app.restrictions.allows_host(host) {
        return Err(PackError::new(
            ErrorKind::SessionDownloadDisallowedByDomain,
            format!(
                "{url}: host `{host}` is not in BADownloadDomainAllowList of {}",
                app.bundle_id
            ),
        ));
    }
    Ok(())
}

fn parse(url: &Url, text: &str) -> Result<ServerManifest, PackError> {
    ServerManifest::parse(url.as_str(), text)
        .map_err(|e| PackError::new(ErrorKind::InvalidManifest, e.to_string()))
}

/// Fetches `app`'s manifest, using `cache` (the last manifest's text file) for 304s.
pub async fn fetch(
    client: &reqwest::Client,
    app: &App,
    etag: Option<&str>,
    cache: &Path,
    insecure_hosts: &[String],
) -> Result<Fetched, PackError> {
    let mut url = app.manifest_url.clone();
    let network = |url: &Url, e: reqwest::Error| {
        PackError::new(
            ErrorKind::Network,
            format!("{url}: cannot fetch the manifest: {e}"),
        )
    };
    for _ in 0..=MAX_REDIRECTS {
        check_url(app, &url, insecure_hosts)?;
        let mut request = client.get(url.clone()).timeout(Duration::from_secs(30));
        if let Some(etag) = etag.filter(|_| cache.exists()) {
            request = request.header(IF_NONE_MATCH, etag);
        }
        let response = request.send().await.map_err(|e| network(&url, e))?;
        let status = response.status();
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        if status.is_redirection()
            && let Some(location) = location
        {
            url = url.join(&location).map_err(|e| {
                PackError::new(
                    ErrorKind::InvalidManifest,
                    format!("{url}: bad redirect `{location}`: {e}"),
                )
            })?;
            continue;
        }
        if status == StatusCode::NOT_MODIFIED {
            let text = std::fs::read_to_string(cache).map_err(|e| {
                PackError::new(
                    ErrorKind::Io,
                    format!("cannot read the cached manifest {}: {e}", cache.display()),
                )
            })?;
            let manifest = parse(&url, &text)?;
            return Ok(Fetched {
                manifest,
                etag: etag.map(str::to_string),
                changed: false,
                url,
            });
        }
        if !status.is_success() {
            return Err(PackError::new(
                ErrorKind::HttpStatus,
                format!("{url}: the server answered {status} for the manifest"),
            ));
        }
        let new_etag = response
            .headers()
            .get(ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let text = read_capped(&url, response, MAX_MANIFEST_BYTES).await?;
        let manifest = parse(&url, &text)?;
        if let Err(error) = crate::store::write_atomically(cache, text.as_bytes()) {
            tracing::warn!("cannot cache the manifest in {}: {error}", cache.display());
        }
        return Ok(Fetched {
            manifest,
            etag: new_etag,
            changed: true,
            url,
        });
    }
    Err(PackError::new(
        ErrorKind::Network,
        format!("{}: more than {MAX_REDIRECTS} redirects", app.manifest_url),
    ))
}

/// Reads a manifest body of at most `cap` bytes as UTF-8, refusing a larger one as soon as its
/// `Content-Length` or its bytes say so (nothing past the cap is kept).
async fn read_capped(
    url: &Url,
    mut response: reqwest::Response,
    cap: usize,
) -> Result<String, PackError> {
    let too_large = || {
        PackError::new(
            ErrorKind::InvalidManifest,
            format!("{url}: the manifest is larger than the cap of {cap} bytes"),
        )
    };
    if response
        .content_length()
        .is_some_and(|length| length > cap as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    loop {
        let chunk = response.chunk().await.map_err(|e| {
            PackError::new(
                ErrorKind::Network,
                format!("{url}: cannot fetch the manifest: {e}"),
            )
        })?;
        let Some(chunk) = chunk else { break };
        if chunk.len() > cap.saturating_sub(body.len()) {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    String::from_utf8(body).map_err(|e| {
        PackError::new(
            ErrorKind::InvalidManifest,
            format!("{url}: the manifest is not UTF-8: {e}"),
        )
    })
}

/// The cached manifest, for a manager that cannot reach the server.
pub fn cached(app: &App, cache: &Path) -> Option<ServerManifest> {
    let text = std::fs::read_to_string(cache).ok()?;
    ServerManifest::parse(app.manifest_url.as_str(), &text).ok()
}

/// The HTTP client for manifests: redirects followed by hand (each host checked).
pub(super) fn manifest_client(
    config: &super::ManagerConfig,
) -> Result<reqwest::Client, super::ManagerError> {
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("bgassets/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(config.retry.connect_timeout);
    for path in &config.extra_root_certificates {
        let pem = std::fs::read(path).map_err(|source| super::ManagerError::Io {
            path: path.clone(),
            source,
        })?;
        let certificate =
            reqwest::Certificate::from_pem(&pem).map_err(|e| super::ManagerError::Io {
                path: path.clone(),
                source: std::io::Error::other(e),
            })?;
        builder = builder.add_root_certificate(certificate);
    }
    builder.build().map_err(|e| super::ManagerError::Io {
        path: config.paths.config_dir().to_path_buf(),
        source: std::io::Error::other(e),
    })
}
