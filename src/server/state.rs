//! The state every connection of one server shares: the served root, the hidden certificate
//! directory, the connection limits, the live faults (a
//! `watch` channel, so streaming bodies notice changes such as a cleared stall), the global
//! rate limiter, the random generator behind `fail_rate`, the request log and the token gate.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::watch;

use super::config::ConnLimits;
use super::faults::Faults;
use super::gate::TokenGate;
use super::log::RequestLog;
use super::rate::RateLimiter;

/// Shared by the accept loop, every connection and every streaming body.
#[derive(Debug)]
pub struct Shared {
    /// The canonical served directory.
    pub root: PathBuf,
    /// The canonical TLS certificate directory, never served from.
    pub hidden: Option<PathBuf>,
    /// Header timeout and connection cap.
    pub limits: ConnLimits,
    /// The live faults; bodies subscribe to changes.
    pub faults: watch::Sender<Faults>,
    /// The one token bucket behind the `rate` fault.
    pub limiter: RateLimiter,
    /// Every answered request.
    pub log: RequestLog,
    /// `--require-token`, when set.
    pub gate: Option<TokenGate>,
    rng: Mutex<fastrand::Rng>,
    etag_counter: AtomicU64,
}

impl Shared {
    /// State for a server of `root` starting with `faults`, never serving from `hidden`.
    pub fn new(root: PathBuf, hidden: Option<PathBuf>, limits: ConnLimits, faults: Faults) -> Self {
        let rng = faults
            .seed
            .map(fastrand::Rng::with_seed)
            .unwrap_or_default();
        Self {
            root,
            hidden,
            limits,
            faults: watch::Sender::new(faults),
            limiter: RateLimiter::default(),
            log: RequestLog::default(),
            gate: None,
            rng: Mutex::new(rng),
            etag_counter: AtomicU64::new(0),
        }
    }

    /// A copy of the current faults.
    pub fn faults(&self) -> Faults {
        self.faults.borrow().clone()
    }

    /// Replaces the faults (already validated). The random generator is reseeded when
    /// `reseed` is set and a seed is given; the rate limiter forgets its debt when the rate
    /// changes.
    pub fn replace_faults(&self, faults: Faults, reseed: bool) {
        if reseed && let Some(seed) = faults.seed {
            self.lock_rng().seed(seed);
        }
        let old = self.faults.send_replace(faults);
        if old.rate != self.faults.borrow().rate {
            self.limiter.reset();
        }
    }

    /// Draws whether this request is one of the `fail_rate` fraction answered 503.
    pub fn roll_failure(&self, fail_rate: f64) -> bool {
        fail_rate > 0.0 && self.lock_rng().f64() < fail_rate
    }

    /// A number never returned before, for `change_etag`.
    pub fn next_etag_serial(&self) -> u64 {
        self.etag_counter.fetch_add(1, Ordering::Relaxed)
    }

    fn lock_rng(&self) -> std::sync::MutexGuard<'_, fastrand::Rng> {
        self.rng
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
