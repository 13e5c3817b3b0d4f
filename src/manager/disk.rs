//! The free space the status document shows (`freeBytes`): the disk holding the data dir,
//! measured at most every [`MEASURE_EVERY`] when the document is published, and shown changed
//! only when it moved by a visible amount, so other programs' small writes do not republish an
//! idle document (and wake every window) ten times a second.

use std::path::Path;
use std::time::{Duration, Instant};

/// How often the free space is measured at most.
pub const MEASURE_EVERY: Duration = Duration::from_secs(2);

/// The smallest change shown: a megabyte, or a thousandth of the free space if larger.
pub const SMALLEST_CHANGE: u64 = 1_000_000;

/// The last measured free space, and when it was measured.
#[derive(Debug, Default)]
pub struct FreeSpace {
    shown: Option<u64>,
    measured_at: Option<Instant>,
}

impl FreeSpace {
    /// Measures the disk holding `dir` if [`MEASURE_EVERY`] has passed; returns the new value
    /// to show when it moved visibly (or could not be measured any more).
    pub fn sample(&mut self, dir: &Path, now: Instant) -> Option<Option<u64>> {
        if self
            .measured_at
            .is_some_and(|at| now.saturating_duration_since(at) < MEASURE_EVERY)
        {
            return None;
        }
        self.measured_at = Some(now);
        let measured = match fs4::available_space(dir) {
            Ok(free) => Some(free),
            Err(error) => {
                if self.shown.is_some() {
                    tracing::warn!(
                        "cannot measure the free space of {}: {error}",
                        dir.display()
                    );
                }
                None
            }
        };
        self.update(measured)
    }

    /// Keeps `measured` and returns it when it differs visibly from what is shown.
    fn update(&mut self, measured: Option<u64>) -> Option<Option<u64>> {
        let changed = match (self.shown, measured) {
            (Some(old), Some(new)) => visibly_different(old, new),
            (old, new) => old != new,
        };
        changed.then(|| {
            self.shown = measured;
            measured
        })
    }
}

/// Whether free space moving from `old` to `new` is worth showing.
pub fn visibly_different(old: u64, new: u64) -> bool {
    let threshold = SMALLEST_CHANGE.max(old / 1000);
    old.abs_diff(new) >= threshold
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_changes_are_not_shown() {
        assert!(!visibly_different(10_000_000_000, 10_000_500_000));
        assert!(!visibly_different(10_000_000_000, 9_991_000_000));
        assert!(visibly_different(10_000_000_000, 9_989_000_000));
        assert!(visibly_different(5_000_000, 3_999_999));
        assert!(!visibly_different(0, 999_999));
    }

    #[test]
    fn the_first_measure_is_shown_then_only_visible_moves() {
        let mut space = FreeSpace::default();
        assert_eq!(space.update(Some(8_000_000_000)), Some(Some(8_000_000_000)));
        assert_eq!(space.update(Some(8_000_100_000)), None);
        assert_eq!(space.update(Some(7_000_000_000)), Some(Some(7_000_000_000)));
        assert_eq!(space.update(None), Some(None));
        assert_eq!(space.update(None), None);
    }

    #[test]
    fn measures_a_real_disk_at_most_every_two_seconds() {
        let dir = tempfile::tempdir().unwrap();
        let mut space = FreeSpace::default();
        let start = Instant::now();
        let first = space.sample(dir.path(), start);
        assert!(matches!(first, Some(Some(free)) if free > 0), "{first:?}");
        assert_eq!(
            space.sample(dir.path(), start + Duration::from_secs(1)),
            None
        );
    }
}
