//! The free space the status document shows (`freeBytes`): the disk holding the data dir.
//!
//! What a person needs to see: while packs download, install or are deleted, the free space
//! moves with them and is measured at most every [`MEASURE_EVERY`] (2 s) when the document is
//! published; one more measure follows within 2 s of the last change, so the space a delete
//! freed shows. When nothing changes in the manager, only other programs move it, and it is
//! measured every [`IDLE_MEASURE_EVERY`] (a minute): an idle manager (and the window it would
//! wake) does not wake every 2 s for a figure nobody is changing (issue 15). The document says
//! `freeBytes` is "as last measured" and the window says how often that is.
//!
//! A new measure is shown only when it moved by a visible amount, so other programs' small
//! writes do not republish an idle document (and wake every window).
//! [`next_measure`] is the decision, pure and tested in place; [`FreeSpace`] does the I/O.

use std::path::Path;
use std::time::{Duration, Instant};

/// How often the free space is measured at most while the document changes.
pub const MEASURE_EVERY: Duration = Duration::from_secs(2);

/// How often the free space is measured while nothing changes in the manager.
pub const IDLE_MEASURE_EVERY: Duration = Duration::from_secs(60);

/// The smallest change shown: a megabyte, or a thousandth of the free space if larger.
pub const SMALLEST_CHANGE: u64 = 1_000_000;

/// When the free space is due to be measured again: at once if never measured;
/// [`MEASURE_EVERY`] after the last measure if the document changed since (`changed_since`);
/// [`IDLE_MEASURE_EVERY`] after it otherwise.
pub fn next_measure(measured_at: Option<Instant>, changed_since: bool) -> Option<Instant> {
    let every = if changed_since {
        MEASURE_EVERY
    } else {
        IDLE_MEASURE_EVERY
    };
    measured_at.map(|at| at + every)
}

/// The last measured free space, when it was measured, and whether the document changed since.
#[derive(Debug, Default)]
pub struct FreeSpace {
    shown: Option<u64>,
    measured_at: Option<Instant>,
    changed_since: bool,
}

impl FreeSpace {
    /// The document is being published with changes: the next measure comes at the busy pace.
    pub fn document_changed(&mut self) {
        self.changed_since = true;
    }

    /// When the next measure is due (`None`: now, never measured).
    pub fn next_measure(&self) -> Option<Instant> {
        next_measure(self.measured_at, self.changed_since)
    }

    /// Measures the disk holding `dir` if a measure is due at `now` ([`next_measure`]); returns
    /// the new value to show when it moved visibly (or could not be measured any more).
    pub fn sample(&mut self, dir: &Path, now: Instant) -> Option<Option<u64>> {
        if self.next_measure().is_some_and(|due| now < due) {
            return None;
        }
        self.measured_at = Some(now);
        self.changed_since = false;
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
    fn measures_every_two_seconds_while_the_document_changes_and_every_minute_when_idle() {
        let at = Instant::now();
        assert_eq!(next_measure(None, false), None, "never measured: now");
        assert_eq!(next_measure(None, true), None);
        assert_eq!(next_measure(Some(at), true), Some(at + MEASURE_EVERY));
        assert_eq!(next_measure(Some(at), false), Some(at + IDLE_MEASURE_EVERY));
        assert!(IDLE_MEASURE_EVERY >= Duration::from_secs(60));
        assert!(MEASURE_EVERY <= Duration::from_secs(2));
    }

    #[test]
    fn measures_a_real_disk_at_the_pace_of_changes() {
        let dir = tempfile::tempdir().unwrap();
        let mut space = FreeSpace::default();
        let start = Instant::now();
        let first = space.sample(dir.path(), start);
        assert!(matches!(first, Some(Some(free)) if free > 0), "{first:?}");
        assert_eq!(
            space.sample(dir.path(), start + Duration::from_secs(1)),
            None
        );
        // Idle: not measured again for a minute.
        assert_eq!(space.next_measure(), Some(start + IDLE_MEASURE_EVERY));
        assert_eq!(space.sample(dir.path(), start + MEASURE_EVERY), None);
        // A change (a delete, a download's progress) brings the next measure within 2 s of the
        // last one, then the pace is idle again.
        space.document_changed();
        assert_eq!(space.next_measure(), Some(start + MEASURE_EVERY));
        let later = start + MEASURE_EVERY;
        let _ = space.sample(dir.path(), later);
        assert_eq!(space.next_measure(), Some(later + IDLE_MEASURE_EVERY));
    }
}
