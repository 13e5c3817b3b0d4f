//! When the actor's own timers fire. Publishing the status document and saving the state run
//! on a deadline only while there is something to publish or save, so an idle manager sleeps
//! until a request, an engine event, a manifest check or the free-space measure wakes it
//! (before issue 15 it woke 13 times a second to find nothing to do; then every 2 s for the
//! free space, now once a minute: [`super::disk`]). Pure, tested in place.

use std::time::Duration;

use tokio::time::Instant;

/// How often the status document is published at most (besides before replies).
pub const PUBLISH_EVERY: Duration = Duration::from_millis(100);

/// How often the state is saved at most.
pub const SAVE_EVERY: Duration = Duration::from_millis(300);

/// When the document is published next, the last time being `last`: [`PUBLISH_EVERY`] after
/// it while something waits to be published (a changed view, an event, a reply); otherwise
/// when the free space the document shows is due to be measured again, `measure` (nothing
/// tells the manager that other programs filled the disk; `None`: never measured, so now).
pub fn next_publish(last: Instant, waiting: bool, measure: Option<Instant>) -> Instant {
    if waiting {
        last + PUBLISH_EVERY
    } else {
        measure.unwrap_or(last)
    }
}

/// When the state is saved next, the last save being at `last`: [`SAVE_EVERY`] after it when
/// it changed since, never when it did not.
pub fn next_save(last: Instant, dirty: bool) -> Option<Instant> {
    dirty.then(|| last + SAVE_EVERY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_idle_manager_only_wakes_to_measure_the_free_space() {
        let last = Instant::now();
        assert_eq!(next_save(last, false), None, "nothing to save: no timer");
        let measure = last + super::super::disk::IDLE_MEASURE_EVERY;
        assert_eq!(next_publish(last, false, Some(measure)), measure);
        assert_eq!(
            next_publish(last, false, None),
            last,
            "never measured: at once"
        );
    }

    #[test]
    fn changes_are_published_and_saved_at_their_pace() {
        let last = Instant::now();
        let measure = Some(last + Duration::from_secs(60));
        assert_eq!(next_publish(last, true, measure), last + PUBLISH_EVERY);
        assert_eq!(next_save(last, true), Some(last + SAVE_EVERY));
        // A change long after the last publication is published at once: its deadline has
        // passed.
        let long_ago = last - Duration::from_secs(5);
        assert!(next_publish(long_ago, true, measure) <= last);
    }
}
