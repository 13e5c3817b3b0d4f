//! Waking on a change instead of on a clock (issue 15, idle CPU): the tray and the notifier read
//! the status document when the backend says it changed ([`Changes`], a `watch` of a counter
//! bumped with each new document) or a setting they show changed, at most once every `every`
//! (a burst of changes is read once), so an idle manager wakes neither of them. A backend that
//! gives no signal (the fixture) is read on the clock, as before, and so is one whose signal
//! ends; a caller with work due later (news the notifier holds back) asks for the clock too.

use std::time::Duration;

use tokio::sync::watch;
use tokio::time::{Instant, Interval, MissedTickBehavior};

/// A signal that something changed, for any number of [`Wake`]s.
#[derive(Debug)]
pub struct Changes(watch::Sender<u64>);

impl Default for Changes {
    fn default() -> Self {
        Self(watch::channel(0).0)
    }
}

impl Changes {
    /// Says that something changed.
    pub fn bump(&self) {
        self.0.send_modify(|count| *count = count.wrapping_add(1));
    }

    /// A receiver that sees the changes from now on.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.0.subscribe()
    }
}

/// When a reader of the document runs next.
#[derive(Debug)]
pub struct Wake {
    document: Option<watch::Receiver<u64>>,
    setting: Option<watch::Receiver<u64>>,
    clock: Interval,
    every: Duration,
    last: Option<Instant>,
    /// A change was seen and the reader has not run for it yet (the wait was dropped while
    /// it spaced the runs out).
    pending: bool,
}

impl Wake {
    /// Wakes at once (the reader's first look), then on `document`'s changes or `setting`'s,
    /// at most once every `every`; on the clock (every `every`) while there is no `document`
    /// signal.
    pub fn new(
        document: Option<watch::Receiver<u64>>,
        setting: Option<watch::Receiver<u64>>,
        every: Duration,
    ) -> Self {
        let mut clock = tokio::time::interval(every);
        clock.set_missed_tick_behavior(MissedTickBehavior::Delay);
        Self {
            document,
            setting,
            clock,
            every,
            last: None,
            pending: true,
        }
    }

    /// Waits until the reader should run: a change (or the clock when there is no signal, or
    /// when `busy`: the reader has work due on its own), then no sooner than `every` after the
    /// last run. Cancel-safe: a change seen before the wait is dropped is not lost.
    pub async fn next(&mut self, busy: bool) {
        if !self.pending {
            let clocked = busy || self.document.is_none();
            tokio::select! {
                _ = self.clock.tick(), if clocked => {}
                _ = changed(&mut self.document) => {}
                _ = changed(&mut self.setting) => {}
            }
            self.pending = true;
        }
        if let Some(last) = self.last {
            tokio::time::sleep_until(last + self.every).await;
        }
        self.pending = false;
        self.last = Some(Instant::now());
    }
}

/// Returns when `signal` changes; never when there is none. A signal whose sender is gone is
/// dropped (the caller goes by the clock from then on).
async fn changed(signal: &mut Option<watch::Receiver<u64>>) {
    let Some(receiver) = signal.as_mut() else {
        return std::future::pending().await;
    };
    if receiver.changed().await.is_err() {
        *signal = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVERY: Duration = Duration::from_millis(250);

    async fn wakes_within(wake: &mut Wake, busy: bool, limit: Duration) -> bool {
        tokio::time::timeout(limit, wake.next(busy)).await.is_ok()
    }

    #[tokio::test(start_paused = true)]
    async fn with_nothing_changing_it_never_wakes() {
        let changes = Changes::default();
        let setting = Changes::default();
        let mut wake = Wake::new(Some(changes.subscribe()), Some(setting.subscribe()), EVERY);
        assert!(
            wakes_within(&mut wake, false, Duration::ZERO).await,
            "the first look"
        );
        assert!(!wakes_within(&mut wake, false, Duration::from_secs(3600)).await);
        changes.bump();
        assert!(
            wakes_within(&mut wake, false, EVERY).await,
            "a change wakes it"
        );
        setting.bump();
        assert!(
            wakes_within(&mut wake, false, EVERY * 2).await,
            "so does the setting"
        );
        assert!(!wakes_within(&mut wake, false, Duration::from_secs(3600)).await);
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_of_changes_is_read_once_per_interval() {
        let changes = Changes::default();
        let mut wake = Wake::new(Some(changes.subscribe()), None, EVERY);
        wake.next(false).await;
        changes.bump();
        wake.next(false).await;
        let first = Instant::now();
        for _ in 0..10 {
            changes.bump();
        }
        wake.next(false).await;
        assert!(Instant::now() >= first + EVERY, "spaced out");
        assert!(
            !wakes_within(&mut wake, false, Duration::from_secs(60)).await,
            "read once"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_signal_or_with_work_due_it_goes_by_the_clock() {
        let mut unsignalled = Wake::new(None, None, EVERY);
        for _ in 0..3 {
            assert!(wakes_within(&mut unsignalled, false, EVERY * 2).await);
        }
        let changes = Changes::default();
        let mut busy = Wake::new(Some(changes.subscribe()), None, EVERY);
        assert!(wakes_within(&mut busy, true, EVERY * 2).await);
        assert!(wakes_within(&mut busy, true, EVERY * 2).await);
        // The signal's sender gone: the clock from then on.
        drop(changes);
        assert!(wakes_within(&mut busy, false, EVERY * 2).await);
        assert!(wakes_within(&mut busy, false, EVERY * 2).await);
    }

    #[tokio::test(start_paused = true)]
    async fn a_change_seen_before_the_wait_was_dropped_is_not_lost() {
        let changes = Changes::default();
        let mut wake = Wake::new(Some(changes.subscribe()), None, EVERY);
        wake.next(false).await;
        changes.bump();
        // Dropped while it spaces the runs out (another branch of the caller's select won).
        assert!(!wakes_within(&mut wake, false, Duration::from_millis(10)).await);
        assert!(
            wakes_within(&mut wake, false, EVERY).await,
            "the change is still due"
        );
    }
}
