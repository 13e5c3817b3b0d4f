//! The token-bucket arithmetic behind every byte-rate limit: the download engine's bandwidth
//! limit and the mock server's `rate` fault. The bucket may go into debt: a sender takes the
//! bytes it is about to send and waits until the debt is repaid, so concurrent senders queue
//! fairly; after an idle spell it holds at most `burst_seconds` of tokens.

use std::time::Duration;

/// Tokens (bytes) available now; negative while in debt. The owner keeps the clock.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Bucket {
    available: f64,
}

impl Bucket {
    /// Adds the tokens `elapsed` earned at `rate` bytes per second (capped at `burst_seconds`
    /// of them), takes `bytes`, and returns how long the caller must wait before sending them.
    pub fn reserve(
        &mut self,
        elapsed: Duration,
        bytes: u64,
        rate: u64,
        burst_seconds: f64,
    ) -> Duration {
        let rate = rate.max(1) as f64;
        self.available = (self.available + elapsed.as_secs_f64() * rate).min(rate * burst_seconds);
        self.available -= bytes as f64;
        if self.available >= 0.0 {
            Duration::ZERO
        } else {
            Duration::try_from_secs_f64(-self.available / rate).unwrap_or(Duration::MAX)
        }
    }

    /// Forgets tokens and debt (after the rate changed).
    pub fn reset(&mut self) {
        self.available = 0.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debt_is_repaid_at_the_rate_and_bursts_are_capped() {
        let mut bucket = Bucket::default();
        assert_eq!(
            bucket.reserve(Duration::ZERO, 500, 1000, 0.1),
            Duration::from_millis(500)
        );
        // A long idle spell repays the debt and leaves at most 100 ms worth of tokens (100 bytes).
        let wait = bucket.reserve(Duration::from_secs(60), 0, 1000, 0.1);
        assert_eq!(wait, Duration::ZERO);
        assert_eq!(
            bucket.reserve(Duration::ZERO, 150, 1000, 0.1),
            Duration::from_millis(50)
        );
        bucket.reset();
        assert_eq!(bucket.reserve(Duration::ZERO, 0, 1000, 0.1), Duration::ZERO);
    }
}
