//! When to try again: exponential backoff with jitter, and the server's `Retry-After`.

use std::time::{Duration, SystemTime};

use super::RetryPolicy;

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
