//! What the engine accepts from the network before a byte is written: every hop of a download
//! is HTTPS (plain HTTP only to loopback and hosts allowed explicitly) and within the request's
//! host allow list, redirects are followed by hand so each hop is checked, and a body is never
//! taken past the size it may have (cut at the first byte beyond it).
//!
//! The policies are pure functions ([`check_hop`], [`body_limit`], [`take`]), tested here;
//! [`follow_redirects`] is the I/O around them.

use reqwest::header::{ACCEPT_ENCODING, IF_RANGE, LOCATION, RANGE};
use tokio::time::timeout;
use url::Url;

use crate::model::url_shown::{shown_url, shown_url_text};

use super::download::DownloadRequest;
use super::http::Failure;
use super::http::request_failure;
use super::job::{Job, WorkerContext};
use crate::model::ErrorKind;

/// The largest body a download with no expected size and no length from the server is taken
/// up to (64 GiB), when the engine's config sets none: a server that never stops sending fills
/// no disk.
pub const DEFAULT_MAX_BODY: u64 = 64 << 30;

/// Whether plain HTTP to `url` is acceptable: a loopback address or `localhost`, or a host
/// named in `insecure_hosts` (`--allow-insecure-host`).
pub fn insecure_allowed(url: &Url, insecure_hosts: &[String]) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback() || insecure_hosts.contains(&ip.to_string()),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => {
            name.eq_ignore_ascii_case("localhost")
                || insecure_hosts.iter().any(|h| h.eq_ignore_ascii_case(name))
        }
        None => false,
    }
}

/// Checks one hop of a download: `url`, reached from `previous` by a redirect (`None` for the
/// request's own URL). HTTPS is required unless plain HTTP is allowed for the host, and the
/// host must be in the request's allow list (an empty list allows any). The refusal names both
/// URLs of a redirect.
pub fn check_hop(
    request: &DownloadRequest,
    previous: Option<&Url>,
    url: &Url,
    insecure_hosts: &[String],
) -> Result<(), Failure> {
    let host = url.host_str().unwrap_or_default();
    let via = previous.map_or(String::new(), |p| {
        format!("{} redirected to ", shown_url(p))
    });
    let shown = shown_url(url);
    let plain_allowed = url.scheme() == "http" && insecure_allowed(url, insecure_hosts);
    if url.scheme() != "https" && !plain_allowed {
        return Err(Failure::fatal(
            ErrorKind::HostNotAllowed,
            format!(
                "{via}{shown}: HTTPS is required on every hop (plain HTTP only for loopback or \
                 --allow-insecure-host {host})"
            ),
        ));
    }
    if request.allowed_hosts.is_empty() || request.allowed_hosts.iter().any(|p| p.matches(host)) {
        return Ok(());
    }
    Err(Failure::fatal(
        ErrorKind::SessionDownloadDisallowedByDomain,
        format!("{via}{shown}: host `{host}` is not in BADownloadDomainAllowList"),
    ))
}

/// The app's headers that go with a request to `url`: all of them on the download's own origin
/// (scheme, host and port of its URL), none on another one a redirect led to, so a bearer token
/// never reaches a host the app did not name.
pub fn headers_for<'a>(request: &'a DownloadRequest, url: &Url) -> &'a [crate::model::Header] {
    if url.origin() == request.url.origin() {
        &request.headers
    } else {
        &[]
    }
}

/// The most bytes the partial file may hold once this response's body is written: the
/// request's expected size when it has one, else the total the server announced
/// (`Content-Length` or `Content-Range`), else `max_body`.
pub fn body_limit(expected: Option<u64>, announced: Option<u64>, max_body: u64) -> u64 {
    expected.or(announced).unwrap_or(max_body)
}

/// How much of a chunk of `len` bytes, arriving when the partial file holds `done`, may be
/// written under `limit`: the whole chunk, or the part before the first byte beyond the limit
/// (`Err` carries that part's length; the attempt then fails).
pub fn take(done: u64, len: usize, limit: u64) -> Result<usize, usize> {
    let room = limit.saturating_sub(done);
    if (len as u64) <= room {
        Ok(len)
    } else {
        Err(usize::try_from(room).unwrap_or(len).min(len))
    }
}

/// The failure of a body that went past `limit`: integrity trouble, so the partial file starts
/// over once, then the download fails.
pub fn too_long(url: &str, limit: u64, expected: Option<u64>) -> Failure {
    let what = if expected.is_some() {
        "declared"
    } else {
        "announced (or the engine's cap on bodies)"
    };
    Failure::fatal(
        ErrorKind::SizeMismatch,
        format!("{url}: the server sent more than the {limit} bytes {what}; cut at byte {limit}"),
    )
    .restarting()
}

/// The most bytes a download of unknown size may have: the engine's cap on bodies, or less,
/// the request's own cap (an app's allowance left).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cap {
    /// The bytes.
    pub bytes: u64,
    /// Whether it is the request's own (an allowance), not the engine's.
    pub allowance: bool,
}

impl Cap {
    /// The cap for a request that allows `max_size` under the engine's `max_body`.
    pub fn of(max_size: Option<u64>, max_body: u64) -> Self {
        match max_size {
            Some(bytes) if bytes < max_body => Self {
                bytes,
                allowance: true,
            },
            _ => Self {
                bytes: max_body,
                allowance: false,
            },
        }
    }
}

/// Refuses, before a byte is written, a body of unknown expected size that the server announces
/// larger than the cap: the engine's (`sizeMismatch`) or the app's allowance left
/// (`sessionDownloadAllowanceExceeded`).
pub fn check_unsized(url: &str, announced: Option<u64>, cap: Cap) -> Result<(), Failure> {
    match announced {
        Some(total) if total > cap.bytes && cap.allowance => Err(Failure::fatal(
            ErrorKind::SessionDownloadAllowanceExceeded,
            format!(
                "{url}: the server announces {total} bytes, more than the {} bytes left of the \
                 app's download allowance",
                cap.bytes
            ),
        )),
        Some(total) if total > cap.bytes => Err(Failure::fatal(
            ErrorKind::SizeMismatch,
            format!(
                "{url}: the server announces {total} bytes, more than the engine's cap of \
                 {} bytes for a download of unknown size",
                cap.bytes
            ),
        )),
        _ => Ok(()),
    }
}

/// Sends the GET (ranged from `from` when resuming), following redirects by hand so every hop
/// is checked by [`check_hop`]. `If-Range` goes with the range when the download has a
/// validator; without one, a range is only asked for when the SHA-256 is pinned (the final
/// check then catches bytes that do not belong together).
pub async fn follow_redirects(
    context: &WorkerContext,
    job: &Job,
    from: u64,
) -> Result<reqwest::Response, Failure> {
    send(context, job, (from > 0).then_some((from, None))).await
}

/// [`follow_redirects`] for any range: `Some((first, last))` asks for bytes `first..=last`
/// (to the end without `last`), with `If-Range` when the download has a validator.
pub async fn send(
    context: &WorkerContext,
    job: &Job,
    range: Option<(u64, Option<u64>)>,
) -> Result<reqwest::Response, Failure> {
    let request = &job.request;
    let mut url = request.url.clone();
    let mut previous: Option<Url> = None;
    for _ in 0..=context.max_redirects {
        check_hop(request, previous.as_ref(), &url, &context.insecure_hosts)?;
        // A failure to set up HTTPS (no certificate the system trusts) is retried: the
        // certificates may be installed in the meantime.
        let client = context.clients.for_url(&url).await.map_err(|e| {
            Failure::transient(ErrorKind::Network, format!("{}: {e}", shown_url(&url)))
        })?;
        let mut builder = client.get(url.clone()).header(ACCEPT_ENCODING, "identity");
        for header in headers_for(request, &url) {
            builder = builder.header(header.name.as_str(), header.value.as_str());
        }
        if let Some((from, last)) = range {
            let last = last.map_or(String::new(), |last| last.to_string());
            builder = builder.header(RANGE, format!("bytes={from}-{last}"));
            if let Some(validator) = job.validator.if_range() {
                builder = builder.header(IF_RANGE, validator);
            }
        }
        let timeout_after = context.policy.connect_timeout;
        let response = match timeout(timeout_after, builder.send()).await {
            Err(_) => {
                return Err(Failure::transient(
                    ErrorKind::Timeout,
                    format!("{}: no answer within {timeout_after:?}", shown_url(&url)),
                ));
            }
            Ok(Err(error)) => return Err(request_failure(&url, &error)),
            Ok(Ok(response)) => response,
        };
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok());
        match (response.status().is_redirection(), location) {
            (true, Some(location)) => {
                let next = url.join(location).map_err(|e| {
                    Failure::fatal(
                        ErrorKind::DownloadInvalid,
                        format!(
                            "{}: redirect to `{}`, which is not a URL: {e}",
                            shown_url(&url),
                            shown_url_text(location)
                        ),
                    )
                })?;
                previous = Some(std::mem::replace(&mut url, next));
            }
            _ => return Ok(response),
        }
    }
    Err(Failure::fatal(
        ErrorKind::DownloadInvalid,
        format!(
            "{}: more than {} redirects",
            request.url, context.max_redirects
        ),
    ))
}

#[cfg(test)]
#[path = "transport_tests.rs"]
mod tests;
