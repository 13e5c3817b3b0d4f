//! Moving a download to another origin when the one it uses fails (mirrors, issue 16). Which
//! origin comes next is `origins::next`, a pure function; this part of [`Actor`] marks the
//! failed origin, moves the download there (dropping the old server's validator: the pinned
//! SHA-256 vouches for the partial file), and makes the failure say where it goes next.

use tokio::time::Instant;

use super::actor::Actor;
use super::http::Failure;
use super::origins;
use crate::model::url_shown::shown_url;

/// A download moved to another origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Moved {
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

    /// Moves download `id` off its origin after `failure`, when the failure may be the
    /// origin's and the request has another one.
    pub(super) fn fail_over(&mut self, id: &str, failure: &Failure) -> Option<Moved> {
        let now = Instant::now();
        let download = self.downloads.get_mut(id)?;
        if origins::count(&download.request) < 2 || !origins::may_fail_over(failure) {
            return None;
        }
        let from = download.url().clone();
        self.origins.failed(&from, now);
        let to = origins::next(&download.request, download.origin, &self.origins, now)?;
        let fresh =
            !origins::failed_recently(&self.origins.of(origins::url(&download.request, to)), now);
        download.origin = to;
        download.validator = Default::default();
        let next = shown_url(download.url());
        tracing::info!("{id}: {} failed; moving to {next}", shown_url(&from));
        let note = format!(
            "moving to {next} (origin {} of {})",
            to + 1,
            origins::count(&download.request)
        );
        Some(Moved { fresh, note })
    }
}
