//! Moving a download to another origin when the one it uses fails (mirrors, issue 16). Which
//! origin comes next is `origins::next`, a pure function; this part of [`Actor`] marks the
//! failed origin, moves the download there (dropping the old server's validator: the pinned
//! SHA-256 vouches for the partial file), and makes the failure say where it goes next.

use tokio::time::Instant;
use url::Url;

use super::actor::Actor;
use super::download::DownloadRequest;
use super::http::Failure;
use super::origins;
use super::retry::Budget;
use crate::model::url_shown::shown_url;

/// A download moved to another origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Moved {
    /// The origin it moves to (an index into the request's origins).
    pub to: usize,
    /// The origin it moved to has not failed lately: it is tried at once, whatever the
    /// failure or the retry budget says.
    pub fresh: bool,
    /// Where it goes, for the retry's reason: `moving to URL (origin 2 of 3)`.
    pub note: String,
}

impl Actor {
    /// At the start of a series of attempts (a new download, a resume), puts download `id` on
    /// its best origin ([`origins::order`]); during retries it stays where it is.
    pub(super) fn choose_origin(&mut self, id: &str) {
        let Some(download) = self.downloads.get_mut(id) else {
            return;
        };
        if download.attempts > 0 || origins::count(&download.request) < 2 {
            return;
        }
        let best = origins::order(&download.request, &self.origins, Instant::now());
        if let Some(&best) = best.first()
            && best != download.origin
        {
            download.origin = best;
            download.validator = Default::default();
        }
    }

    /// Marks download `id`'s origin failed after `failure` and chooses the next one, when the
    /// failure may be the origin's and the request has another one; [`Actor::apply_move`]
    /// moves it there when the attempt is retried.
    pub(super) fn fail_over(&mut self, id: &str, failure: &Failure) -> Option<Moved> {
        let now = Instant::now();
        let download = self.downloads.get_mut(id)?;
        if origins::count(&download.request) < 2 || !origins::may_fail_over(failure) {
            return None;
        }
        let (to, fresh) = move_after(&download.request, download.origin, &mut self.origins, now)?;
        let next = shown_url(origins::url(&download.request, to));
        let note = format!(
            "moving to {next} (origin {} of {})",
            to + 1,
            origins::count(&download.request)
        );
        Some(Moved { to, fresh, note })
    }

    /// Puts download `id` on the origin `moved` chose, for the retry that follows (a download
    /// failed for good stays on the origin its error is about).
    pub(super) fn apply_move(&mut self, id: &str, moved: &Moved) {
        let Some(download) = self.downloads.get_mut(id) else {
            return;
        };
        tracing::info!("{id}: {} failed; {}", shown_url(download.url()), moved.note);
        download.origin = moved.to;
        download.validator = Default::default();
    }
}

/// Marks origin `current` of `request` failed at `now` and picks the next one: its index, and
/// whether it is fresh (has not failed within `origins::FAILED_FOR`).
pub(super) fn move_after(
    request: &DownloadRequest,
    current: usize,
    stats: &mut origins::Stats,
    now: Instant,
) -> Option<(usize, bool)> {
    let from: Url = origins::url(request, current).clone();
    stats.failed(&from, now);
    let to = origins::next(request, current, stats, now)?;
    let fresh = !origins::failed_recently(&stats.of(origins::url(request, to)), now);
    Some((to, fresh))
}

/// What a failed attempt was, for [`may_retry`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Failed {
    /// The size or the SHA-256 did not match: the bytes are thrown away.
    pub integrity: bool,
    /// The failure may pass (a server error, a timeout...).
    pub transient: bool,
    /// The download moved to an origin that has not failed lately.
    pub fresh_origin: bool,
    /// How many origins the request has (its URL and its mirrors).
    pub origins: usize,
}

/// Whether a failed attempt is tried again. `checksum_failures` counts this one when it is an
/// integrity failure; `budget` has counted it. An integrity failure gets one fresh start from
/// byte 0; a transient one is retried while the budget allows. A move to a fresh origin is
/// tried at once whatever the failure, but only as often as there are origins: an origin is
/// "fresh" again once `origins::FAILED_FOR` has passed, so origins that each take that long to
/// fail would otherwise be rotated through forever.
pub(super) fn may_retry(
    failed: Failed,
    checksum_failures: u32,
    budget: Budget,
    max_attempts: u32,
) -> bool {
    let origins = u32::try_from(failed.origins).unwrap_or(u32::MAX);
    if failed.integrity {
        checksum_failures <= 1 || (failed.fresh_origin && checksum_failures <= origins)
    } else {
        (failed.transient && budget.allows_retry(max_attempts))
            || (failed.fresh_origin && budget.allows_retry(max_attempts.saturating_add(origins)))
    }
}

#[cfg(test)]
#[path = "failover_tests.rs"]
mod tests;
