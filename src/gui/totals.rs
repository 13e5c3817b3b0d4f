//! The totals over every app's packs that the status bar (and the tray's tooltip) show: how
//! many packs are downloading, the overall speed, the bytes left, the time left and the share
//! done, and what installed on-demand packs could free. Pure: computed from one
//! [`StatusDocument`], tested in place.

use std::sync::Arc;

use crate::manager::view::{PackView, StatusDocument};
use crate::model::{Activity, DownloadPolicy};

/// The totals of the last document asked about, kept until another one arrives: the window
/// shows them every frame, and a frame must not sum 10,000 packs again (twice) when the
/// document did not change.
#[derive(Debug, Default)]
pub struct TotalsCache {
    of: Option<(Arc<StatusDocument>, Totals)>,
}

impl TotalsCache {
    /// The totals of `document`, summed only when it is another document than last time.
    pub fn of(&mut self, document: &Arc<StatusDocument>) -> Totals {
        if let Some((last, totals)) = &self.of
            && Arc::ptr_eq(last, document)
        {
            return *totals;
        }
        let totals = Totals::of(document);
        self.of = Some((document.clone(), totals));
        totals
    }
}

/// Totals over one status document.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Totals {
    /// Packs transferring or about to (connecting, downloading, retrying).
    pub downloading: usize,
    /// Packs waiting for a slot (they start by themselves).
    pub queued: usize,
    /// Packs paused by the user with bytes still to come.
    pub paused: usize,
    /// The sum of the downloading packs' speeds (a paused or queued pack adds nothing).
    pub bytes_per_second: u64,
    /// Bytes still to download for the downloading and queued packs.
    pub bytes_left: u64,
    /// Bytes already downloaded of those same packs.
    pub bytes_done: u64,
    /// Seconds left at the current overall speed, when there is a speed and bytes left.
    pub eta_seconds: Option<u64>,
    /// The share done of what is downloading or queued (0 to 1), when something is.
    pub fraction: Option<f32>,
    /// Bytes that removing every installed on-demand pack would free.
    pub on_demand_bytes: u64,
}

impl Totals {
    /// The totals of every pack in `document`.
    pub fn of(document: &StatusDocument) -> Self {
        let mut totals = Self::default();
        for pack in document.apps.iter().flat_map(|app| &app.packs) {
            totals.add(pack);
        }
        if totals.bytes_left > 0 && totals.bytes_per_second > 0 {
            totals.eta_seconds = Some(totals.bytes_left.div_ceil(totals.bytes_per_second));
        }
        let whole = totals.bytes_done.saturating_add(totals.bytes_left);
        if totals.downloading + totals.queued > 0 && whole > 0 {
            totals.fraction = Some((totals.bytes_done as f64 / whole as f64) as f32);
        }
        totals
    }

    fn add(&mut self, pack: &PackView) {
        if pack.policy == DownloadPolicy::OnDemand && pack.installed_version.is_some() {
            self.on_demand_bytes = self.on_demand_bytes.saturating_add(pack.installed_bytes);
        }
        let (done, total) = match &pack.activity {
            Activity::Downloading { progress } | Activity::Retrying { progress, .. } => {
                self.downloading += 1;
                if matches!(pack.activity, Activity::Downloading { .. }) {
                    self.bytes_per_second = self
                        .bytes_per_second
                        .saturating_add(progress.bytes_per_second);
                }
                (progress.bytes_done, progress.bytes_total)
            }
            Activity::Connecting => {
                self.downloading += 1;
                (pack.partial_bytes, pack.download_size)
            }
            Activity::Queued => {
                self.queued += 1;
                (pack.partial_bytes, pack.download_size)
            }
            Activity::Paused { .. } => {
                self.paused += 1;
                return;
            }
            _ => return,
        };
        self.bytes_done = self.bytes_done.saturating_add(done.min(total));
        self.bytes_left = self.bytes_left.saturating_add(total.saturating_sub(done));
    }

    /// Whether anything is downloading or waiting to.
    pub fn is_busy(&self) -> bool {
        self.downloading + self.queued > 0
    }

    /// Packs downloading or waiting for a slot.
    pub fn in_progress(&self) -> usize {
        self.downloading.saturating_add(self.queued)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gui::fixture;

    #[test]
    fn the_fixture_totals() {
        let totals = Totals::of(&fixture::every_state());
        // Connecting, downloading and retrying transfer; one pack waits for a slot.
        assert_eq!(totals.downloading, 3);
        assert_eq!(totals.queued, 1);
        assert_eq!(totals.paused, 1);
        // Only the downloading pack's speed counts: the retrying one moves nothing now.
        assert_eq!(totals.bytes_per_second, 2_000_000);
        // 40 MB each: 23.2 MB left of the downloading one, 32 MB of the retrying one, 40 MB
        // of the connecting and the queued ones.
        assert_eq!(totals.bytes_left, 23_200_000 + 32_000_000 + 80_000_000);
        assert_eq!(totals.bytes_done, 16_800_000 + 8_000_000);
        assert_eq!(totals.eta_seconds, Some(135_200_000 / 2_000_000 + 1));
        let fraction = totals.fraction.unwrap_or_default();
        assert!((fraction - 24.8 / 160.0).abs() < 1e-4, "{fraction}");
        // The obsolete pack is the one installed on-demand pack: 50 MB.
        assert_eq!(totals.on_demand_bytes, 50_000_000);
    }

    #[test]
    fn the_cache_sums_each_document_once_and_follows_a_new_one() {
        let mut cache = TotalsCache::default();
        let first = Arc::new(fixture::every_state());
        assert_eq!(cache.of(&first), Totals::of(&first));
        let kept = cache.of.as_ref().map(|(d, _)| Arc::as_ptr(d));
        assert_eq!(cache.of(&first), Totals::of(&first));
        assert_eq!(kept, cache.of.as_ref().map(|(d, _)| Arc::as_ptr(d)));
        let mut changed = fixture::every_state();
        for pack in &mut changed.apps[0].packs {
            Arc::make_mut(pack).activity = Activity::Idle;
        }
        let changed = Arc::new(changed);
        assert_eq!(
            cache.of(&changed).downloading,
            0,
            "a new document is summed"
        );
    }

    #[test]
    fn nothing_moving_has_no_eta_or_fraction() {
        let mut document = fixture::every_state();
        for pack in &mut document.apps[0].packs {
            Arc::make_mut(pack).activity = Activity::Idle;
        }
        let totals = Totals::of(&document);
        assert!(!totals.is_busy());
        assert_eq!(totals.eta_seconds, None);
        assert_eq!(totals.fraction, None);
        assert_eq!(totals.bytes_per_second, 0);
    }

    #[test]
    fn huge_sizes_saturate_instead_of_wrapping() {
        let mut document = fixture::every_state();
        for pack in &mut document.apps[0].packs {
            let pack = Arc::make_mut(pack);
            pack.activity = Activity::Queued;
            pack.download_size = u64::MAX;
            pack.installed_bytes = u64::MAX;
        }
        let totals = Totals::of(&document);
        assert_eq!(totals.bytes_left, u64::MAX);
    }
}
