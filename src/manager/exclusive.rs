//! Exclusive control of an app's downloads (`BADownloadManager.withExclusiveControl`), as pure
//! state: at most one lease per app, which ends when released, when its time is up, or when the
//! connection that took it closes (the socket layer releases it then). Those who ask while
//! another holds it wait, in order, up to their own deadline: an acquire, or a queue change
//! (`scheduleDownload`, `cancelDownload`, `startForegroundDownload`) of someone else. The actor
//! holds what waits (`W`) and acts on what [`Exclusive::wake`] hands back.

use std::collections::{BTreeMap, VecDeque};

/// The longest an acquire or a queue change may wait for the lease, in milliseconds.
pub const MAX_WAIT_MS: u64 = 30_000;
/// The longest a lease may be held, in milliseconds.
pub const MAX_HOLD_MS: u64 = 60_000;

/// A held lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease {
    /// Its number, unique for the manager's lifetime.
    pub id: u64,
    /// When it ends by itself (Unix time in milliseconds).
    pub expires_at_ms: u64,
}

/// What waits for an app's lease.
#[derive(Debug)]
pub struct Waiter<W> {
    /// The app whose lease it waits for.
    pub app: String,
    /// When it gives up (Unix time in milliseconds).
    pub deadline_ms: u64,
    /// `Some(hold_ms)`: an acquire, which takes the lease when it is free.
    pub acquire: Option<u64>,
    /// What the actor holds for it (the request and its reply).
    pub item: W,
}

/// What became of a waiter.
#[derive(Debug, PartialEq)]
pub enum Woken<W> {
    /// The app's lease is free: go ahead (a queue change).
    Free(W),
    /// The acquire took the lease.
    Acquired(W, Lease),
    /// Its deadline passed with the lease still held by another.
    TimedOut(W),
}

/// Every app's lease and who waits for one.
#[derive(Debug)]
pub struct Exclusive<W> {
    leases: BTreeMap<String, Lease>,
    waiters: VecDeque<Waiter<W>>,
    next_id: u64,
}

impl<W> Default for Exclusive<W> {
    fn default() -> Self {
        Self {
            leases: BTreeMap::new(),
            waiters: VecDeque::new(),
            next_id: 1,
        }
    }
}

impl<W> Exclusive<W> {
    /// The lease on `app` held at `now`, if any.
    pub fn holder(&self, app: &str, now_ms: u64) -> Option<Lease> {
        self.leases
            .get(app)
            .copied()
            .filter(|lease| lease.expires_at_ms > now_ms)
    }

    /// Whether a queue change of `app` by the holder of `lease` (or by someone holding none)
    /// must wait at `now`.
    pub fn blocks(&self, app: &str, lease: Option<u64>, now_ms: u64) -> bool {
        self.holder(app, now_ms)
            .is_some_and(|held| Some(held.id) != lease)
    }

    /// Takes the lease on `app` for `hold_ms` (capped at [`MAX_HOLD_MS`]) if no one holds it
    /// and no one waits for it before; `None` otherwise (then [`Self::park`] the asker).
    pub fn try_acquire(&mut self, app: &str, hold_ms: u64, now_ms: u64) -> Option<Lease> {
        let queued = self.waiters.iter().any(|w| w.app == app);
        if self.holder(app, now_ms).is_some() || queued {
            return None;
        }
        Some(self.grant(app, hold_ms, now_ms))
    }

    fn grant(&mut self, app: &str, hold_ms: u64, now_ms: u64) -> Lease {
        let lease = Lease {
            id: self.next_id,
            expires_at_ms: now_ms.saturating_add(hold_ms.clamp(1, MAX_HOLD_MS)),
        };
        self.next_id = self.next_id.saturating_add(1);
        self.leases.insert(app.to_string(), lease);
        lease
    }

    /// Ends lease `id` on `app`; false when it is not the one held (already ended).
    pub fn release(&mut self, app: &str, id: u64) -> bool {
        match self.leases.get(app) {
            Some(held) if held.id == id => {
                self.leases.remove(app);
                true
            }
            _ => false,
        }
    }

    /// Makes `waiter` wait (its wait capped at [`MAX_WAIT_MS`] from `now`).
    pub fn park(&mut self, mut waiter: Waiter<W>, now_ms: u64) {
        waiter.deadline_ms = waiter.deadline_ms.min(now_ms.saturating_add(MAX_WAIT_MS));
        self.waiters.push_back(waiter);
    }

    /// Ends the leases whose time is up, then hands back, in order, the waiters whose app is
    /// free (an acquire takes the lease, and those after it on that app wait on) and those
    /// whose deadline passed.
    pub fn wake(&mut self, now_ms: u64) -> Vec<Woken<W>> {
        self.leases.retain(|_, lease| lease.expires_at_ms > now_ms);
        let mut woken = Vec::new();
        let mut still = VecDeque::new();
        while let Some(waiter) = self.waiters.pop_front() {
            if self.holder(&waiter.app, now_ms).is_none() {
                match waiter.acquire {
                    Some(hold) => {
                        let lease = self.grant(&waiter.app, hold, now_ms);
                        woken.push(Woken::Acquired(waiter.item, lease));
                    }
                    None => woken.push(Woken::Free(waiter.item)),
                }
            } else if waiter.deadline_ms <= now_ms {
                woken.push(Woken::TimedOut(waiter.item));
            } else {
                still.push_back(waiter);
            }
        }
        self.waiters = still;
        woken
    }

    /// When [`Self::wake`] next has something to do: a lease's end or a waiter's deadline.
    pub fn next_deadline(&self) -> Option<u64> {
        let leases = self.leases.values().map(|l| l.expires_at_ms);
        let waiters = self.waiters.iter().map(|w| w.deadline_ms);
        leases.chain(waiters).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waiter(app: &str, deadline_ms: u64, acquire: Option<u64>, item: u32) -> Waiter<u32> {
        Waiter {
            app: app.into(),
            deadline_ms,
            acquire,
            item,
        }
    }

    #[test]
    fn one_holder_per_app_and_the_next_acquire_gets_it_on_release() {
        let mut control = Exclusive::default();
        let first = control.try_acquire("a", 5_000, 0).unwrap();
        assert!(control.try_acquire("a", 5_000, 1).is_none());
        assert!(
            control.try_acquire("b", 5_000, 1).is_some(),
            "another app's lease is apart"
        );
        control.park(waiter("a", 3_000, Some(1_000), 7), 1);
        assert!(control.wake(2).is_empty(), "still held");
        assert!(control.release("a", first.id));
        assert!(!control.release("a", first.id), "a lease ends once");
        let woken = control.wake(3);
        let [Woken::Acquired(7, lease)] = woken.as_slice() else {
            panic!("{woken:?}");
        };
        assert_eq!(lease.expires_at_ms, 1_003);
        assert_eq!(control.holder("a", 4), Some(*lease));
    }

    #[test]
    fn a_lease_expires_at_its_hold_time_and_is_capped() {
        let mut control: Exclusive<u32> = Exclusive::default();
        let lease = control.try_acquire("a", 10 * MAX_HOLD_MS, 100).unwrap();
        assert_eq!(lease.expires_at_ms, 100 + MAX_HOLD_MS);
        assert_eq!(control.next_deadline(), Some(100 + MAX_HOLD_MS));
        control.wake(100 + MAX_HOLD_MS);
        assert_eq!(control.holder("a", 100 + MAX_HOLD_MS), None);
        assert!(control.try_acquire("a", 1, 100 + MAX_HOLD_MS).is_some());
    }

    #[test]
    fn a_waiter_times_out_at_its_deadline_and_the_holder_is_never_blocked() {
        let mut control = Exclusive::default();
        let lease = control.try_acquire("a", 60_000, 0).unwrap();
        assert!(!control.blocks("a", Some(lease.id), 1));
        assert!(control.blocks("a", None, 1));
        assert!(control.blocks("a", Some(lease.id + 1), 1));
        assert!(!control.blocks("b", None, 1));
        control.park(waiter("a", 500, None, 1), 0);
        control.park(waiter("a", 10 * MAX_WAIT_MS, None, 2), 0);
        assert_eq!(control.next_deadline(), Some(500));
        assert_eq!(control.wake(500), vec![Woken::TimedOut(1)]);
        assert_eq!(
            control.next_deadline(),
            Some(MAX_WAIT_MS),
            "the wait is capped"
        );
    }

    #[test]
    fn a_closed_connections_release_frees_the_waiters_in_order() {
        let mut control = Exclusive::default();
        let lease = control.try_acquire("a", 60_000, 0).unwrap();
        control.park(waiter("a", 9_000, None, 1), 0);
        control.park(waiter("a", 9_000, Some(100), 2), 0);
        control.park(waiter("a", 9_000, None, 3), 0);
        assert!(
            control.try_acquire("a", 100, 1).is_none(),
            "waiters go first"
        );
        control.release("a", lease.id);
        let woken = control.wake(10);
        assert_eq!(woken.len(), 2, "{woken:?}");
        assert_eq!(woken[0], Woken::Free(1));
        assert!(matches!(woken[1], Woken::Acquired(2, _)));
        // The third waits behind the new holder.
        assert_eq!(control.wake(50), vec![]);
        assert_eq!(control.wake(110), vec![Woken::Free(3)]);
    }
}
