//! How many connections a segmented download uses: it starts with one, and after each measuring
//! window ([`super::window`]) doubles them (up to its cap) while the bytes per window grew by at
//! least [`GAIN_PERCENT`] over the last step; the first step that brings less ends the ramp for
//! the attempt, and so does a window in which the connections waited for the writer
//! ([`LOCAL_PERCENT`]): then the disk or the CPU sets the pace, not the origin, and another
//! connection only adds work (what it brings ahead of the hashed prefix is read back to be
//! hashed). Pure.
//!
//! Measured (2026-12-02, 1 GiB from nginx on unlimited loopback, ten alternating rounds,
//! medians): `curl -o` 1.11 s; the ramp opening a second connection after 250 ms 1.17 s;
//! one connection 1.00 s.
//!
//! Until 2026-12-04 the interval was a fixed tick of 250 ms. A tick of 125 ms reached eight
//! connections on a rate-capped origin by 375 ms instead of 750 ms (1 GiB at `limit_rate 25m`,
//! five alternating rounds: 6.24 s against 6.45 s, `aria2c -x8 -s8` 6.12 s; unlimited loopback
//! no slower, 1.07 s against 1.16 s, `curl -o` 1.27 s), but review found that a fixed tick ends
//! the ramp at two connections on a distant origin (the new connection still connecting all
//! through the tick after it opened); the window opens only once every connection answered.
//!
//! Starting at two was tried (2026-12-02): it saves 250 ms on a rate-capped origin, but the
//! first measured step is then two to four, taken unmeasured, and on an unlimited loopback
//! four connections on two cores took 2.4x `curl -o` (5.6 s against 2.1 s at one or two).

use std::time::Duration;

/// The growth a step must bring for the ramp to go on.
pub const GAIN_PERCENT: u64 = 15;
/// The share of a window the connections may wait for the writer before the ramp stops.
pub const LOCAL_PERCENT: u128 = 10;

/// The ramp's state for one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ramp {
    cap: usize,
    target: usize,
    last: Option<u64>,
    stopped: bool,
}

impl Ramp {
    /// A ramp starting at one connection, never above `cap`.
    pub fn new(cap: usize) -> Self {
        Self {
            cap: cap.max(1),
            target: 1,
            last: None,
            stopped: false,
        }
    }

    /// The connections wanted now.
    pub fn target(&self) -> usize {
        self.target
    }

    /// The connections wanted after a window that brought `bytes`.
    pub fn step(&mut self, bytes: u64) -> usize {
        if self.is_over() {
            return self.target;
        }
        let grew = self.last.is_none_or(|last| {
            u128::from(bytes) * 100 >= u128::from(last) * u128::from(100 + GAIN_PERCENT)
        });
        if grew {
            self.last = Some(bytes);
            self.target = self.target.saturating_mul(2).min(self.cap);
        } else {
            self.stopped = true;
        }
        self.target
    }

    /// Whether the ramp is over: stopped, or at its cap.
    pub fn is_over(&self) -> bool {
        self.stopped || self.target >= self.cap
    }

    /// Stops the ramp where it is (the origin answered a range request with the whole file).
    pub fn stop(&mut self) {
        self.stopped = true;
    }

    /// Stops the ramp when the connections waited `waited` for the writer (summed over them)
    /// during a window of `window`, [`LOCAL_PERCENT`] of it or more.
    pub fn writer_waited(&mut self, waited: Duration, window: Duration) {
        if !window.is_zero() && waited.as_nanos() * 100 >= window.as_nanos() * LOCAL_PERCENT {
            self.stopped = true;
        }
    }
}

/// The connections one download may open: `max_connections`, and no more than the per-host
/// cap leaves once the `others` claims on the same host (`scheduler::host_claims`) are met.
pub fn connection_cap(max_connections: usize, max_per_host: usize, others: usize) -> usize {
    max_connections
        .min(max_per_host.saturating_sub(others))
        .max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_double_while_the_rate_grows_and_stop_when_it_does_not() {
        let mut ramp = Ramp::new(8);
        assert_eq!(ramp.target(), 1);
        assert_eq!(ramp.step(100), 2);
        assert_eq!(ramp.step(190), 4);
        assert_eq!(ramp.step(400), 8);
        assert_eq!(ramp.step(800), 8); // the cap
        let mut flat = Ramp::new(8);
        assert_eq!(flat.step(1000), 2);
        assert_eq!(flat.step(1100), 2); // +10%: not worth more
        assert_eq!(flat.step(5000), 2); // and the ramp is over
    }

    #[test]
    fn connections_waiting_for_the_writer_end_the_ramp() {
        let tick = Duration::from_millis(250);
        let mut capped = Ramp::new(8);
        capped.writer_waited(Duration::from_millis(24), tick); // under 10%: the origin's pace
        assert_eq!(capped.step(100), 2);
        let mut local = Ramp::new(8);
        local.writer_waited(Duration::from_millis(25), tick);
        assert_eq!(
            local.step(100),
            1,
            "a second connection would only add work"
        );
        assert_eq!(local.step(1000), 1);
        let mut later = Ramp::new(8);
        assert_eq!(later.step(100), 2);
        later.writer_waited(Duration::from_millis(600), tick); // two connections, summed
        assert_eq!(later.step(500), 2);
        let mut zero = Ramp::new(8);
        zero.writer_waited(Duration::ZERO, Duration::ZERO);
        assert_eq!(zero.step(1), 2);
    }

    #[test]
    fn the_cap_and_a_stop_hold() {
        let mut ramp = Ramp::new(3);
        assert_eq!((ramp.step(1), ramp.step(10)), (2, 3));
        let mut stopped = Ramp::new(8);
        stopped.stop();
        assert_eq!(stopped.step(10), 1);
        assert_eq!(Ramp::new(0).step(10), 1);
    }

    #[test]
    fn the_per_host_cap_bounds_the_connections() {
        assert_eq!(connection_cap(8, 4, 0), 4);
        assert_eq!(connection_cap(8, 4, 3), 1);
        assert_eq!(connection_cap(8, 4, 9), 1);
        assert_eq!(connection_cap(2, 16, 1), 2);
        assert_eq!(connection_cap(1, 16, 0), 1);
    }
}
