//! The global bandwidth limit: a token bucket shared by every worker, changeable live.
//!
//! Workers reserve the bytes of each chunk before passing it on; a reservation that overdraws the
//! bucket sleeps until the debt is paid. The bucket holds at most 20 ms of tokens, so the rate
//! over any window of a second or more stays within a few percent of the limit.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// A shared byte-rate limiter; `None` rate means unlimited.
#[derive(Debug)]
pub struct RateLimiter {
    bucket: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    rate: Option<u64>,
    tokens: f64,
    last: Instant,
}

/// The burst allowed, as a fraction of a second of the rate.
const BURST_SECONDS: f64 = 0.02;

impl RateLimiter {
    /// A limiter at `rate` bytes per second.
    pub fn new(rate: Option<u64>) -> Self {
        Self {
            bucket: Mutex::new(Bucket {
                rate: rate.filter(|r| *r > 0),
                tokens: 0.0,
                last: Instant::now(),
            }),
        }
    }

    /// Changes the rate; takes effect for the next reservation.
    pub fn set_rate(&self, rate: Option<u64>) {
        if let Ok(mut bucket) = self.bucket.lock() {
            bucket.rate = rate.filter(|r| *r > 0);
            bucket.tokens = bucket.tokens.min(0.0);
            bucket.last = Instant::now();
        }
    }

    /// The current rate.
    pub fn rate(&self) -> Option<u64> {
        self.bucket.lock().ok().and_then(|b| b.rate)
    }

    /// Waits until `bytes` may be sent.
    pub async fn acquire(&self, bytes: u64) {
        let wait = self.reserve(bytes);
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// Takes `bytes` from the bucket and returns how long the caller must wait for them.
    fn reserve(&self, bytes: u64) -> Duration {
        let Ok(mut bucket) = self.bucket.lock() else {
            return Duration::ZERO;
        };
        let Some(rate) = bucket.rate else {
            return Duration::ZERO;
        };
        let rate = rate as f64;
        let now = Instant::now();
        let elapsed = now.duration_since(bucket.last).as_secs_f64();
        bucket.last = now;
        bucket.tokens = (bucket.tokens + elapsed * rate).min(rate * BURST_SECONDS);
        bucket.tokens -= bytes as f64;
        if bucket.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-bucket.tokens / rate)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_second_of_bytes_takes_a_second() {
        let limiter = RateLimiter::new(Some(100_000));
        let start = Instant::now();
        for _ in 0..100 {
            limiter.acquire(10_000).await;
        }
        // 1 MB at 100 KB/s: 10 s, minus the 2 KB burst allowance.
        let elapsed = start.elapsed().as_secs_f64();
        assert!((9.9..=10.1).contains(&elapsed), "{elapsed}");
    }

    #[tokio::test(start_paused = true)]
    async fn unlimited_never_waits_and_the_rate_changes_live() {
        let limiter = RateLimiter::new(None);
        let start = Instant::now();
        limiter.acquire(u64::MAX / 2).await;
        assert_eq!(start.elapsed(), Duration::ZERO);
        limiter.set_rate(Some(1_000));
        limiter.acquire(2_000).await;
        assert!(start.elapsed() >= Duration::from_millis(1_900));
        assert_eq!(limiter.rate(), Some(1_000));
    }
}
