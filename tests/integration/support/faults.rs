//! Fault builders: the mock server's faults (`bgassets::server::Faults`) in one expression,
//! `Faults::default().rate(2_000_000).drop_after(100_000)`, instead of a struct literal each.

use std::time::Duration;

use bgassets::server::Faults;

/// Builds on a [`Faults`]: each method sets one fault and returns the whole.
pub trait FaultsExt {
    /// Bytes per second for the whole server.
    fn rate(self, bytes_per_second: u64) -> Faults;
    /// Delay before every file response's headers.
    fn latency(self, latency: Duration) -> Faults;
    /// Fraction of file requests answered 503.
    fn fail_rate(self, fraction: f64) -> Faults;
    /// Seconds sent in `Retry-After` with the 503s.
    fn retry_after(self, seconds: u64) -> Faults;
    /// Seed of the 503 draws.
    fn seed(self, seed: u64) -> Faults;
    /// Abort each response after this many body bytes.
    fn drop_after(self, bytes: u64) -> Faults;
    /// Stop sending after this many body bytes, keeping the connection open.
    fn stall_after(self, bytes: u64) -> Faults;
    /// Answer 200 with the whole file to `Range` requests.
    fn ignore_range(self) -> Faults;
    /// A fresh `ETag` on every response.
    fn change_etag(self) -> Faults;
    /// Flip the byte in the middle of every file.
    fn corrupt(self) -> Faults;
}

impl FaultsExt for Faults {
    fn rate(self, bytes_per_second: u64) -> Faults {
        let rate = Some(bytes_per_second);
        Faults { rate, ..self }
    }
    fn latency(self, latency: Duration) -> Faults {
        let latency = Some(latency);
        Faults { latency, ..self }
    }
    fn fail_rate(self, fail_rate: f64) -> Faults {
        Faults { fail_rate, ..self }
    }
    fn retry_after(self, retry_after: u64) -> Faults {
        Faults {
            retry_after,
            ..self
        }
    }
    fn seed(self, seed: u64) -> Faults {
        let seed = Some(seed);
        Faults { seed, ..self }
    }
    fn drop_after(self, bytes: u64) -> Faults {
        let drop_after = Some(bytes);
        Faults { drop_after, ..self }
    }
    fn stall_after(self, bytes: u64) -> Faults {
        let stall_after = Some(bytes);
        Faults {
            stall_after,
            ..self
        }
    }
    fn ignore_range(self) -> Faults {
        let ignore_range = true;
        Faults {
            ignore_range,
            ..self
        }
    }
    fn change_etag(self) -> Faults {
        let change_etag = true;
        Faults {
            change_etag,
            ..self
        }
    }
    fn corrupt(self) -> Faults {
        let corrupt = true;
        Faults { corrupt, ..self }
    }
}
