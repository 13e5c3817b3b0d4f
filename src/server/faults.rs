//! The faults the mock server can inject, as one serde-able value with its validation rules.
//! Their JSON forms and the partial updates of the control endpoint are in `fault_json`.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The longest latency accepted, so that a typo cannot hang a test for days.
pub const MAX_LATENCY: Duration = Duration::from_secs(3600);
/// The largest `Retry-After` accepted, in seconds (one day).
pub const MAX_RETRY_AFTER: u64 = 86_400;
/// The `Retry-After` used when none is given, in seconds.
pub const DEFAULT_RETRY_AFTER: u64 = 1;

/// Every fault the server injects into file responses. `Default` is no fault at all.
///
/// The control endpoint (`/_bgassets/…`) is never faulted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Delay before the response headers of every file request.
    #[serde(with = "super::fault_json::latency_serde")]
    pub latency: Option<Duration>,
    /// Bytes per second, shared by all responses of the server (one global token bucket).
    #[serde(with = "super::fault_json::size_serde")]
    pub rate: Option<u64>,
    /// Fraction (0 to 1) of file requests answered `503 Service Unavailable`.
    pub fail_rate: f64,
    /// Seconds sent in `Retry-After` with injected 503s.
    pub retry_after: u64,
    /// Seed for the random draws of `fail_rate`; setting it reseeds the generator.
    pub seed: Option<u64>,
    /// Abort the connection after this many body bytes of each response.
    #[serde(with = "super::fault_json::size_serde")]
    pub drop_after: Option<u64>,
    /// Stop sending after this many body bytes of each response, keeping the connection open.
    #[serde(with = "super::fault_json::size_serde")]
    pub stall_after: Option<u64>,
    /// Answer `200` with the whole file even to `Range` requests.
    pub ignore_range: bool,
    /// Give every response a fresh `ETag`, so `If-Range` and `If-None-Match` never match.
    pub change_etag: bool,
    /// Flip the byte at file offset `len / 2` (XOR 0xFF) wherever a response contains it.
    pub corrupt: bool,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            latency: None,
            rate: None,
            fail_rate: 0.0,
            retry_after: DEFAULT_RETRY_AFTER,
            seed: None,
            drop_after: None,
            stall_after: None,
            ignore_range: false,
            change_etag: false,
            corrupt: false,
        }
    }
}

/// Why a set of faults, or a change to them, was refused. The message names the field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FaultError {
    /// The body of a fault change is not JSON.
    #[error("the body is not valid JSON: {0}")]
    NotJson(String),
    /// The JSON is not an object.
    #[error("expected a JSON object of faults, e.g. {{\"latency\": \"200ms\"}}")]
    NotAnObject,
    /// A field names no fault.
    #[error("unknown fault `{0}`; known faults: {known}", known = FIELDS.join(", "))]
    UnknownField(String),
    /// A fault's value is out of range or of the wrong type.
    #[error("`{field}`: {message}")]
    Invalid {
        /// The fault.
        field: &'static str,
        /// What is wrong with its value.
        message: String,
    },
}

/// The JSON names of every fault, as the control endpoint accepts them.
pub const FIELDS: [&str; 10] = [
    "latency",
    "rate",
    "fail_rate",
    "retry_after",
    "seed",
    "drop_after",
    "stall_after",
    "ignore_range",
    "change_etag",
    "corrupt",
];

impl Faults {
    /// True when no fault is set.
    pub fn is_none(&self) -> bool {
        self.latency.is_none()
            && self.rate.is_none()
            && self.fail_rate == 0.0
            && self.drop_after.is_none()
            && self.stall_after.is_none()
            && !self.ignore_range
            && !self.change_etag
            && !self.corrupt
    }

    /// Checks the ranges the types cannot express: a fraction in 0..=1, a positive rate, bounded
    /// latency and `Retry-After`.
    pub fn validate(&self) -> Result<(), FaultError> {
        let invalid = |field, message: &str| {
            Err(FaultError::Invalid {
                field,
                message: message.to_string(),
            })
        };
        if !(0.0..=1.0).contains(&self.fail_rate) {
            return invalid("fail_rate", "expected a fraction between 0 and 1");
        }
        if self.rate == Some(0) {
            return invalid(
                "rate",
                "must be more than 0 bytes per second; null removes it",
            );
        }
        if self.latency.is_some_and(|latency| latency > MAX_LATENCY) {
            return invalid("latency", "must be at most 1 hour");
        }
        if self.retry_after > MAX_RETRY_AFTER {
            return invalid("retry_after", "must be at most 86400 seconds");
        }
        Ok(())
    }

    /// A short list of the faults that are set, for logs: `latency=200ms rate=40000000`.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(latency) = self.latency {
            parts.push(format!("latency={}ms", latency.as_millis()));
        }
        if let Some(rate) = self.rate {
            parts.push(format!("rate={rate}B/s"));
        }
        if self.fail_rate > 0.0 {
            parts.push(format!(
                "fail_rate={} retry_after={}",
                self.fail_rate, self.retry_after
            ));
        }
        if let Some(bytes) = self.drop_after {
            parts.push(format!("drop_after={bytes}"));
        }
        if let Some(bytes) = self.stall_after {
            parts.push(format!("stall_after={bytes}"));
        }
        for (set, name) in [
            (self.ignore_range, "ignore_range"),
            (self.change_etag, "change_etag"),
            (self.corrupt, "corrupt"),
        ] {
            if set {
                parts.push(name.to_string());
            }
        }
        if parts.is_empty() {
            "none".to_string()
        } else {
            parts.join(" ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_no_fault() {
        assert!(Faults::default().is_none());
        assert_eq!(Faults::default().summary(), "none");
        assert!(Faults::default().validate().is_ok());
    }

    #[test]
    fn out_of_range_values_are_refused() {
        let cases = [
            (
                Faults {
                    fail_rate: -0.1,
                    ..Faults::default()
                },
                "fail_rate",
            ),
            (
                Faults {
                    fail_rate: f64::NAN,
                    ..Faults::default()
                },
                "fail_rate",
            ),
            (
                Faults {
                    rate: Some(0),
                    ..Faults::default()
                },
                "rate",
            ),
            (
                Faults {
                    latency: Some(Duration::from_secs(7200)),
                    ..Faults::default()
                },
                "latency",
            ),
            (
                Faults {
                    retry_after: 86_401,
                    ..Faults::default()
                },
                "retry_after",
            ),
        ];
        for (faults, field) in cases {
            let error = faults.validate().unwrap_err().to_string();
            assert!(error.starts_with(&format!("`{field}`")), "{error}");
        }
    }

    #[test]
    fn the_summary_lists_what_is_set() {
        let faults = Faults {
            rate: Some(1000),
            corrupt: true,
            ..Faults::default()
        };
        assert_eq!(faults.summary(), "rate=1000B/s corrupt");
    }
}
