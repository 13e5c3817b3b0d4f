//! The requests of a delta update: the file list (whole, at most its listed size) and ranges of
//! the new archive (`Range: bytes=a-b`, answered `206` with the exact `Content-Range`). They
//! run outside the engine, which downloads whole files: here each URL is checked against the
//! app's allow list and HTTPS rule before it is asked, redirects are not followed (an origin
//! that redirects gets the whole-archive download, which follows them hop by hop), every body
//! is bounded by what was asked, bytes pass through a bandwidth limiter at the manager's rate,
//! and the cancel flag (a pause or removal of the pack) stops a request within a quarter second.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_RANGE, RANGE};
use url::Url;

use super::PatchError;
use crate::engine::limiter::RateLimiter;
use crate::model::url_shown::shown_url;

/// How long a response may send nothing before the request is given up.
const IDLE: Duration = Duration::from_secs(30);
/// How often a quiet request looks at the cancel flag.
const TICK: Duration = Duration::from_millis(250);

/// Where a delta update's requests go, and what bounds them.
pub struct Origin<'a> {
    /// The manager's client (no redirects followed).
    pub client: &'a reqwest::Client,
    /// The bandwidth limit.
    pub limiter: &'a RateLimiter,
    /// Set to stop (the user's cancel).
    pub cancel: &'a AtomicBool,
    /// Set when another part of the delta failed: stops as a cancel does.
    pub halt: &'a AtomicBool,
    /// Checks a URL against the app's allow list and HTTPS rule; the error says why not.
    pub allow: &'a super::AllowUrl,
    /// Bytes received so far, for progress and the report.
    pub received: &'a AtomicU64,
}

fn origin(url: &Url, problem: impl Into<String>) -> PatchError {
    PatchError::Origin {
        url: shown_url(url),
        problem: problem.into(),
    }
}

impl Origin<'_> {
    /// The whole body of `url`, which must be exactly `size` bytes.
    pub async fn get_exact(&self, url: &Url, size: u64) -> Result<Vec<u8>, PatchError> {
        let response = self.send(url, None).await?;
        if response.status() != StatusCode::OK {
            return Err(origin(url, format!("answered {}", response.status())));
        }
        let mut body = Vec::with_capacity(usize::try_from(size.min(1 << 20)).unwrap_or(0));
        self.stream(url, response, size, &mut |_, bytes| {
            body.extend_from_slice(bytes);
            Ok(())
        })
        .await?;
        Ok(body)
    }

    /// Bytes `range` of `url`, an archive of `total` bytes, handed to `sink` with their offset.
    pub async fn get_range(
        &self,
        url: &Url,
        range: Range<u64>,
        total: u64,
        sink: &mut (dyn FnMut(u64, &[u8]) -> std::io::Result<()> + Send),
    ) -> Result<(), PatchError> {
        let last = range
            .end
            .checked_sub(1)
            .filter(|l| *l >= range.start && *l < total)
            .ok_or_else(|| origin(url, format!("no bytes {range:?} in {total}")))?;
        let response = self.send(url, Some((range.start, last))).await?;
        let status = response.status();
        if status == StatusCode::OK {
            return Err(origin(
                url,
                "ignores Range: it answered 200 with the whole archive instead of 206",
            ));
        }
        if status != StatusCode::PARTIAL_CONTENT {
            return Err(origin(url, format!("answered {status} to a Range request")));
        }
        let header = response
            .headers()
            .get(CONTENT_RANGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if parse_content_range(header) != Some((range.start, last, total)) {
            return Err(origin(
                url,
                format!(
                    "answered bytes `{header}` to a request for bytes {}-{last}/{total}",
                    range.start
                ),
            ));
        }
        let mut at = range.start;
        self.stream(url, response, range.end - range.start, &mut |_, bytes| {
            sink(at, bytes)?;
            at = at.saturating_add(bytes.len() as u64);
            Ok(())
        })
        .await
    }

    async fn send(
        &self,
        url: &Url,
        range: Option<(u64, u64)>,
    ) -> Result<reqwest::Response, PatchError> {
        (self.allow)(url).map_err(|problem| origin(url, problem))?;
        let mut request = self.client.get(url.clone());
        if let Some((first, last)) = range {
            request = request.header(RANGE, format!("bytes={first}-{last}"));
        }
        let sent = request.send();
        tokio::pin!(sent);
        let response = self.wait(url, &mut sent).await?;
        let response = response.map_err(|e| origin(url, format!("cannot be fetched: {e}")))?;
        if response.status().is_redirection() {
            return Err(origin(
                url,
                format!(
                    "redirects ({}); delta requests follow no redirects",
                    response.status()
                ),
            ));
        }
        Ok(response)
    }

    fn stopped(&self) -> bool {
        super::parts::stopped(self.cancel, self.halt)
    }

    /// Waits for `future`, giving up after [`IDLE`] or when cancelled.
    async fn wait<T>(
        &self,
        url: &Url,
        future: &mut (impl std::future::Future<Output = T> + Unpin),
    ) -> Result<T, PatchError> {
        let mut idle = Duration::ZERO;
        loop {
            if self.stopped() {
                return Err(PatchError::Cancelled);
            }
            match tokio::time::timeout(TICK, &mut *future).await {
                Ok(value) => return Ok(value),
                Err(_) if idle >= IDLE => {
                    return Err(origin(
                        url,
                        format!("sent nothing for {} s", IDLE.as_secs()),
                    ));
                }
                Err(_) => idle += TICK,
            }
        }
    }

    /// Waits for the bandwidth limiter to allow `bytes` (at a low limit, seconds for a chunk),
    /// looking at the cancel flag as a quiet request does.
    async fn pay(&self, bytes: u64) -> Result<(), PatchError> {
        let paid = self.limiter.acquire(bytes);
        tokio::pin!(paid);
        loop {
            if self.stopped() {
                return Err(PatchError::Cancelled);
            }
            if tokio::time::timeout(TICK, &mut paid).await.is_ok() {
                return Ok(());
            }
        }
    }

    /// Streams exactly `length` bytes of `response` to `sink`; more or fewer is an error.
    async fn stream(
        &self,
        url: &Url,
        mut response: reqwest::Response,
        length: u64,
        sink: &mut (dyn FnMut(u64, &[u8]) -> std::io::Result<()> + Send),
    ) -> Result<(), PatchError> {
        if response.content_length().is_some_and(|n| n != length) {
            return Err(origin(
                url,
                format!(
                    "announced {} bytes where {length} were asked",
                    response.content_length().unwrap_or_default()
                ),
            ));
        }
        let mut done = 0u64;
        loop {
            let chunk = {
                let next = response.chunk();
                tokio::pin!(next);
                self.wait(url, &mut next).await?
            };
            let chunk = chunk.map_err(|e| origin(url, format!("stopped sending: {e}")))?;
            let Some(chunk) = chunk else { break };
            let n = chunk.len() as u64;
            if n > length - done {
                return Err(origin(
                    url,
                    format!("sent more than the {length} bytes asked"),
                ));
            }
            self.pay(n).await?;
            sink(done, &chunk).map_err(|e| PatchError::Io {
                action: "write what was fetched from",
                path: shown_url(url).into(),
                error: e,
            })?;
            done += n;
            self.received.fetch_add(n, Ordering::Relaxed);
        }
        if done != length {
            return Err(origin(
                url,
                format!("sent {done} bytes where {length} were asked"),
            ));
        }
        Ok(())
    }
}

/// `bytes FIRST-LAST/TOTAL` as numbers; anything else (`*`, spaces, signs) is `None`.
pub fn parse_content_range(header: &str) -> Option<(u64, u64, u64)> {
    let rest = header.strip_prefix("bytes ")?;
    let (span, total) = rest.split_once('/')?;
    let (first, last) = span.split_once('-')?;
    let number = |s: &str| {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    Some((number(first)?, number(last)?, number(total)?))
}

#[cfg(test)]
mod tests {
    use super::parse_content_range;

    #[test]
    fn content_ranges_are_read_exactly() {
        assert_eq!(parse_content_range("bytes 0-9/100"), Some((0, 9, 100)));
        for bad in [
            "bytes */100",
            "bytes 0-9/*",
            "bytes -1-9/100",
            "0-9/100",
            "bytes 0-9/1e3",
            "bytes 0-+9/100",
        ] {
            assert_eq!(parse_content_range(bad), None, "{bad}");
        }
    }
}
