//! The download speed shown with each progress event: bytes per second over a sliding window.
//! Kept apart from the actor and its report handling (`lifecycle`), which both use it.

use std::time::Duration;

use tokio::time::Instant;

/// Bytes per second over a sliding window of about two seconds.
#[derive(Debug, Default)]
pub struct SpeedMeter {
    samples: std::collections::VecDeque<(Instant, u64)>,
}

impl SpeedMeter {
    /// Adds a sample and returns the current rate.
    pub fn sample(&mut self, bytes: u64) -> u64 {
        let now = Instant::now();
        self.samples.push_back((now, bytes));
        while self.samples.len() > 2
            && now.duration_since(self.samples[0].0) > Duration::from_secs(2)
        {
            self.samples.pop_front();
        }
        let (first_time, first_bytes) = self.samples[0];
        let seconds = now.duration_since(first_time).as_secs_f64();
        if seconds < 0.05 {
            return 0;
        }
        (bytes.saturating_sub(first_bytes) as f64 / seconds) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_speed_is_the_bytes_over_the_window() {
        let mut meter = SpeedMeter::default();
        assert_eq!(meter.sample(0), 0, "one sample has no rate yet");
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(meter.sample(1_000), 1_000);
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(meter.sample(3_000), 1_500);
        // Samples older than about two seconds leave the window.
        tokio::time::advance(Duration::from_secs(2)).await;
        assert_eq!(meter.sample(7_000), 2_000);
    }
}
