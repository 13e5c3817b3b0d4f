//! The aggregate numbers of every pack in progress, over one [`StatusDocument`]: how many
//! packs are under way, the overall speed, the bytes left, the time left and the fraction done.
//! The tray's icon and tooltip and the window's status bar show the same [`Totals`]; it is a
//! pure function of the document, tested here.

use crate::manager::view::{PackView, StatusDocument};
use crate::model::Activity;

/// What every pack in progress adds up to.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Totals {
    /// Packs in progress: queued for a slot, connecting, downloading, retrying, verifying or
    /// installing (paused and failed packs are not).
    pub downloading: usize,
    /// Bytes per second arriving across all downloads.
    pub speed: u64,
    /// Bytes still to download for the packs in progress.
    pub bytes_left: u64,
    /// Seconds left at the current overall speed; `None` while nothing arrives.
    pub eta_seconds: Option<u64>,
    /// Bytes done over bytes to do for the packs in progress, in 0.0..=1.0; `None` when
    /// nothing is in progress.
    pub progress: Option<f32>,
}

impl Totals {
    /// The totals of `document`'s packs in progress.
    pub fn of(document: &StatusDocument) -> Self {
        let mut totals = Self::default();
        let (mut done, mut total) = (0u64, 0u64);
        for pack in document.apps.iter().flat_map(|app| &app.packs) {
            if !pack.activity.is_in_progress() {
                continue;
            }
            totals.downloading += 1;
            let (pack_done, pack_total) = transfer(pack);
            done = done.saturating_add(pack_done);
            total = total.saturating_add(pack_total);
            totals.bytes_left = totals
                .bytes_left
                .saturating_add(pack_total.saturating_sub(pack_done));
            if let Activity::Downloading { progress } = &pack.activity {
                totals.speed = totals.speed.saturating_add(progress.bytes_per_second);
            }
        }
        if totals.downloading > 0 {
            totals.progress = Some(if total == 0 {
                0.0
            } else {
                (done as f64 / total as f64).clamp(0.0, 1.0) as f32
            });
        }
        totals.eta_seconds = (totals.speed > 0).then(|| totals.bytes_left.div_ceil(totals.speed));
        totals
    }
}

/// Bytes done and bytes in all of one pack in progress: its transfer's numbers when it has
/// them, else the manifest's download size (all of it done once verifying or installing).
fn transfer(pack: &PackView) -> (u64, u64) {
    match &pack.activity {
        Activity::Verifying | Activity::Installing => (pack.download_size, pack.download_size),
        activity => match activity.progress() {
            Some(progress) if progress.bytes_total > 0 => (
                progress.bytes_done.min(progress.bytes_total),
                progress.bytes_total,
            ),
            _ => (
                pack.partial_bytes.min(pack.download_size),
                pack.download_size,
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gui::fixture::{app, document, pack, progress};
    use crate::model::{DownloadPolicy, PackKind, Progress};

    fn one(id: &str, activity: Activity) -> PackView {
        pack(
            id,
            id,
            PackKind::Data,
            DownloadPolicy::OnDemand,
            (None, Some(1)),
            activity,
        )
    }

    #[test]
    fn nothing_in_progress_has_no_progress_and_no_eta() {
        let idle = document(vec![app(
            "a",
            "A",
            vec![
                one("idle", Activity::Idle),
                one(
                    "paused",
                    Activity::Paused {
                        progress: progress(1_000_000),
                    },
                ),
            ],
        )]);
        assert_eq!(Totals::of(&idle), Totals::default());
    }

    #[test]
    fn downloads_add_up_across_apps() {
        // 10 MB of 40 done at 2 MB/s in one app; 30 of 40 at 2 MB/s and one queued pack of
        // 40 MB in another.
        let doc = document(vec![
            app(
                "a",
                "A",
                vec![one(
                    "x",
                    Activity::Downloading {
                        progress: progress(10_000_000),
                    },
                )],
            ),
            app(
                "b",
                "B",
                vec![
                    one(
                        "y",
                        Activity::Downloading {
                            progress: progress(30_000_000),
                        },
                    ),
                    one("z", Activity::Queued),
                ],
            ),
        ]);
        let totals = Totals::of(&doc);
        assert_eq!(totals.downloading, 3);
        assert_eq!(totals.speed, 4_000_000);
        assert_eq!(totals.bytes_left, 30_000_000 + 10_000_000 + 40_000_000);
        assert_eq!(totals.eta_seconds, Some(20));
        assert_eq!(totals.progress, Some(40.0 / 120.0));
    }

    #[test]
    fn verifying_counts_as_done_bytes_and_no_speed_means_no_eta() {
        let doc = document(vec![app(
            "a",
            "A",
            vec![
                one("v", Activity::Verifying),
                one("c", Activity::Connecting),
            ],
        )]);
        let totals = Totals::of(&doc);
        assert_eq!(totals.downloading, 2);
        assert_eq!(totals.bytes_left, 40_000_000);
        assert_eq!(totals.eta_seconds, None);
        assert_eq!(totals.progress, Some(0.5));
    }

    #[test]
    fn sizes_from_outside_never_wrap() {
        let huge = Progress {
            bytes_done: u64::MAX,
            bytes_total: u64::MAX,
            bytes_per_second: u64::MAX,
        };
        let lying = Progress {
            bytes_done: 50,
            bytes_total: 10,
            bytes_per_second: 1,
        };
        let doc = document(vec![app(
            "a",
            "A",
            vec![
                one("h1", Activity::Downloading { progress: huge }),
                one("h2", Activity::Downloading { progress: huge }),
                one("l", Activity::Downloading { progress: lying }),
            ],
        )]);
        let totals = Totals::of(&doc);
        assert_eq!(totals.speed, u64::MAX);
        assert_eq!(totals.bytes_left, 0, "a done count above its total is done");
        assert_eq!(totals.progress, Some(1.0));
    }
}
