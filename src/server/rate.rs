//! The `rate` fault: one token bucket shared by every response of a server, so `--rate 40MB`
//! caps the server's total output at 40 MB/s however many downloads run at once.
//!
//! The bucket may go into debt: a sender takes the bytes it is about to send and sleeps until
//! the debt is repaid. Concurrent senders therefore queue fairly, and the burst after an idle
//! spell is capped at a twentieth of a second's worth.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The share of a second's worth of bytes the bucket may hold after idling.
const BURST_SECONDS: f64 = 0.05;

/// The global token bucket.
#[derive(Debug)]
pub struct RateLimiter {
    bucket: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    tokens: crate::bucket::Bucket,
    /// When the tokens were last brought up to date.
    updated: Instant,
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self {
            bucket: Mutex::new(Bucket {
                tokens: crate::bucket::Bucket::default(),
                updated: Instant::now(),
            }),
        }
    }
}

impl RateLimiter {
    /// The largest chunk worth sending at once under `rate`: a twentieth of a second's worth,
    /// between 1 KiB and `max`, so slow rates still stream smoothly.
    pub fn chunk_for(rate: u64, max: usize) -> usize {
        let twentieth = usize::try_from(rate / 20).unwrap_or(usize::MAX);
        twentieth.clamp(1024.min(max), max)
    }

    /// Takes `bytes` from the bucket at `rate` bytes per second and returns how long the caller
    /// must wait before sending them.
    pub fn reserve(&self, bytes: u64, rate: u64) -> Duration {
        let now = Instant::now();
        let mut bucket = self
            .bucket
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let elapsed = now.saturating_duration_since(bucket.updated);
        bucket.updated = now;
        bucket.tokens.reserve(elapsed, bytes, rate, BURST_SECONDS)
    }

    /// Empties the bucket and forgets any debt (after the rate was changed).
    pub fn reset(&self) {
        let mut bucket = self
            .bucket
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        bucket.tokens.reset();
        bucket.updated = Instant::now();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_shrink_with_the_rate() {
        assert_eq!(RateLimiter::chunk_for(40_000_000, 65_536), 65_536);
        assert_eq!(RateLimiter::chunk_for(200_000, 65_536), 10_000);
        assert_eq!(RateLimiter::chunk_for(100, 65_536), 1024);
        assert_eq!(RateLimiter::chunk_for(u64::MAX, 65_536), 65_536);
    }

    #[test]
    fn debt_adds_up_to_the_rate() {
        let limiter = RateLimiter::default();
        let mut total = Duration::ZERO;
        for _ in 0..10 {
            total = total.max(limiter.reserve(100_000, 1_000_000));
        }
        // One megabyte at one megabyte per second: the last sender waits about a second.
        assert!(total > Duration::from_millis(900), "{total:?}");
        assert!(total <= Duration::from_millis(1000), "{total:?}");
        limiter.reset();
        assert!(limiter.reserve(1000, 1_000_000) < Duration::from_millis(2));
    }
}
