//! When to try again: a budget that counts only the attempts that brought no new bytes (a
//! download that makes progress is never failed for lack of attempts), exponential backoff with
//! jitter that starts over after progress, and the server's `Retry-After`.

use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::RetryPolicy;
use crate::model::PackError;

/// What the retry budget remembers of a download's attempts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Budget {
    /// Consecutive attempts that ended without a byte beyond `furthest`.
    pub without_progress: u32,
    /// The most bytes the partial file has held for this request.
    pub furthest: u64,
}

impl Budget {
    /// Counts an attempt that ended (in failure) with the partial file holding `length` bytes.
    /// It brought new bytes when the file now goes further than it ever did: that starts the
    /// count over. Bytes rewritten from 0 after a server ignored `Range` are not new.
    pub fn count(self, length: u64) -> Self {
        if length > self.furthest {
            Self {
                without_progress: 0,
                furthest: length,
            }
        } else {
            Self {
                without_progress: self.without_progress.saturating_add(1),
                ..self
            }
        }
    }

    /// Whether another attempt may follow: fewer than `max_attempts` in a row without progress.
    pub fn allows_retry(self, max_attempts: u32) -> bool {
        self.without_progress < max_attempts
    }

    /// The backoff step for the next attempt, as [`delay`] counts them: the first retry after
    /// progress (or after the first failure) waits the base delay, and each further one in a
    /// row without progress twice as long.
    pub fn next_attempt(self) -> u32 {
        self.without_progress.saturating_add(1).max(2)
    }
}

/// A retry in a sentence: the reason, when, and how many attempts in a row brought nothing.
pub fn explain(reason: &PackError, delay_ms: u64, without_progress: u32) -> String {
    let after = seconds(Duration::from_millis(delay_ms));
    if without_progress == 0 {
        format!("{reason}; retrying in {after} (the last attempt brought new bytes)")
    } else {
        format!("{reason}; retrying in {after}, attempt {without_progress} without progress")
    }
}

/// A duration for people: `30 s`, `0.5 s`.
pub fn seconds(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{} s", duration.as_secs())
    } else {
        format!("{:.1} s", duration.as_secs_f64())
    }
}

/// The delay before attempt `attempt` (2 for the first retry). A `Retry-After` from the server
/// wins when it is longer than the backoff, up to the policy's cap.
pub fn delay(policy: &RetryPolicy, attempt: u32, retry_after: Option<Duration>) -> Duration {
    let exponent = attempt.saturating_sub(2).min(20);
    let backoff = policy
        .base_delay
        .saturating_mul(1u32 << exponent)
        .min(policy.max_delay);
    let jitter = 0.8 + fastrand::f64() * 0.4;
    let backoff = backoff.mul_f64(jitter);
    match retry_after {
        Some(after) => after.min(policy.max_retry_after).max(backoff),
        None => backoff,
    }
}

/// Parses `Retry-After`: a number of seconds or an HTTP date.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attempt_that_brought_bytes_resets_the_budget() {
        let policy = RetryPolicy::default();
        let mut budget = Budget::default();
        // A connection that drops every 50 MB: every attempt goes further, none counts.
        for drop in 1..=100u64 {
            budget = budget.count(drop * 50_000_000);
            assert_eq!(budget.without_progress, 0);
            assert!(budget.allows_retry(policy.max_attempts));
            assert_eq!(
                budget.next_attempt(),
                2,
                "backoff starts over after progress"
            );
        }
        // Then nothing more arrives: eight attempts in a row without progress end it.
        for n in 1..=policy.max_attempts {
            assert!(budget.allows_retry(policy.max_attempts));
            budget = budget.count(5_000_000_000);
            assert_eq!(budget.without_progress, n);
        }
        assert!(!budget.allows_retry(policy.max_attempts));
        assert_eq!(budget.next_attempt(), policy.max_attempts + 1);
    }

    #[test]
    fn bytes_rewritten_from_zero_are_not_progress() {
        let budget = Budget::default().count(400);
        assert_eq!(budget.without_progress, 0);
        let again = budget.count(400).count(300);
        assert_eq!(again.without_progress, 2);
        assert_eq!(again.furthest, 400);
    }

    #[test]
    fn a_retry_reads_as_a_retry_with_its_reason() {
        let reason = PackError::new(
            crate::model::ErrorKind::Timeout,
            "http://h/p.zip: stalled: no bytes for 30 s after 120 bytes",
        );
        assert_eq!(
            explain(&reason, 4000, 2),
            "http://h/p.zip: stalled: no bytes for 30 s after 120 bytes; retrying in 4 s, \
             attempt 2 without progress"
        );
        assert!(
            explain(&reason, 500, 0)
                .ends_with("retrying in 0.5 s (the last attempt brought new bytes)")
        );
    }

    #[test]
    fn durations_read_as_seconds() {
        assert_eq!(seconds(Duration::from_secs(30)), "30 s");
        assert_eq!(seconds(Duration::from_millis(500)), "0.5 s");
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let policy = RetryPolicy::default();
        for _ in 0..50 {
            let first = delay(&policy, 2, None);
            assert!((400..=600).contains(&first.as_millis()), "{first:?}");
            let third = delay(&policy, 4, None);
            assert!((1600..=2400).contains(&third.as_millis()), "{third:?}");
            assert!(delay(&policy, 40, None) <= policy.max_delay.mul_f64(1.2));
        }
    }

    #[test]
    fn retry_after_wins_when_longer_and_is_capped() {
        let policy = RetryPolicy::default();
        assert_eq!(
            delay(&policy, 2, Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
        assert_eq!(
            delay(&policy, 2, Some(Duration::from_secs(100_000))),
            policy.max_retry_after
        );
    }

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(20));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(20))
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
