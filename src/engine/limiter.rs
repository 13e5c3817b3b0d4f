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
    tokens: crate::bucket::Bucket,
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
                tokens: crate::bucket::Bucket::default(),
                last: Instant::now(),
            }),
        }
    }

    /// Changes the rate; takes effect for the next reservation.
    pub fn set_rate(&self, rate: Option<u64>) {
        if let Ok(mut bucket) = self.bucket.lock() {
            bucket.rate = rate.filter(|r| *r > 0);
            bucket.tokens.reset();
            bucket.last = Instant::now();
        }
    }

    /// The current rate.
    pub fn rate(&self) -> Option<u64> {
        self.bucket.lock().ok().and_then(|b| b.rate)
    }

    /// The most bytes worth paying for at once under the current rate: a fiftieth of a
    /// second's worth (at least 1 KiB); `None` without a limit.
    pub fn slice_size(&self) -> Option<usize> {
        let rate = self.rate()?;
        Some(usize::try_from(rate / 50).unwrap_or(usize::MAX).max(1024))
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
        let now = Instant::now();
        let elapsed = now.duration_since(bucket.last);
        bucket.last = now;
        bucket.tokens.reserve(elapsed, bytes, rate, BURST_SECONDS)
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

    /// The bound, checked on the limiter itself with virtual time: four downloads sharing
    /// a 1 MB/s limit, each paying for at most `slice_size()` bytes at a time (as workers do),
    /// never get more than 1.1 MB/s over any 2-second window.
    #[tokio::test(start_paused = true)]
    async fn any_two_second_window_stays_within_ten_percent() {
        let limiter = std::sync::Arc::new(RateLimiter::new(Some(1_000_000)));
        let start = Instant::now();
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        let slice = limiter.slice_size().unwrap() as u64;
        for chunk in [slice, slice / 2, 1_000, 7_777] {
            let (limiter, log) = (limiter.clone(), log.clone());
            tasks.push(tokio::spawn(async move {
                while start.elapsed() < Duration::from_secs(10) {
                    limiter.acquire(chunk).await;
                    log.lock()
                        .unwrap()
                        .push((start.elapsed().as_secs_f64(), chunk));
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let mut log = log.lock().unwrap().clone();
        log.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (i, &(t0, _)) in log.iter().enumerate() {
            let bytes: u64 = log[i..]
                .iter()
                .take_while(|(t, _)| *t < t0 + 2.0)
                .map(|(_, b)| b)
                .sum();
            assert!(
                bytes as f64 <= 2.0 * 1_000_000.0 * 1.1,
                "{bytes} bytes in the 2 s from {t0:.2} s"
            );
        }
        let total: u64 = log.iter().map(|(_, b)| b).sum();
        assert!(
            (9_500_000..=10_700_000).contains(&total),
            "{total} bytes in 10 s"
        );
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
