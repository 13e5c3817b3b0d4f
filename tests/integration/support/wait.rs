//! The one way the tests wait: poll a condition until it holds, or fail naming what was awaited
//! once a timeout passes (blocking, or on the async runtime); and a bound on how long a future
//! may take. Never a fixed sleep.
//! (The engine's and the manager's helpers wait on their events with these same bounds.)

use std::future::Future;
use std::time::{Duration, Instant};

/// How often a condition is polled.
const POLL: Duration = Duration::from_millis(10);

/// How long [`within`] lets a future run.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// Blocks until `find` finds something and returns it; panics naming `what` after `timeout`.
pub fn wait_for<T>(what: &str, timeout: Duration, find: impl FnMut() -> Option<T>) -> T {
    try_wait_for(timeout, find).unwrap_or_else(|| panic!("not {what} within {timeout:?}"))
}

/// Blocks until `find` finds something and returns it, or `None` once `timeout` passed: for a
/// caller whose failure message shows what it saw, or that must not panic (a `Drop`).
pub fn try_wait_for<T>(timeout: Duration, mut find: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(found) = find() {
            return Some(found);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(POLL);
    }
}

/// [`wait_until`] on the async runtime: sleeps without blocking the runtime's thread.
pub async fn wait_until_async(what: &str, timeout: Duration, mut condition: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + timeout;
    while !condition() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "not {what} within {timeout:?}"
        );
        tokio::time::sleep(POLL).await;
    }
}

/// Awaits `future`; fails the test if it takes more than [`PATIENCE`].
pub async fn within<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, future)
        .await
        .unwrap_or_else(|_| panic!("not done within {PATIENCE:?}"))
}
