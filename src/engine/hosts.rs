//! The connections open to each host, shared by the actor and every attempt, so that the
//! per-host cap (`Limits.max_per_host`) holds for connections, not only for downloads: a
//! download's first connection is claimed when it starts, a segmented download claims each
//! further one before opening it, and a claim is given back when its connection ends (the
//! [`Claim`] is dropped). A claim is refused when the host has the cap open already: the
//! download stays queued, the ramp opens no more.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// The count of open connections per host, and the cap.
#[derive(Debug)]
pub struct HostConnections {
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    open: HashMap<String, usize>,
    cap: usize,
}

impl HostConnections {
    /// No connection open yet; at most `cap` per host.
    pub fn new(cap: usize) -> Arc<Self> {
        Arc::new(Self {
            inner: Mutex::new(Inner {
                open: HashMap::new(),
                cap: cap.max(1),
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A new cap (the limits changed); open connections stay until they end.
    pub fn set_cap(&self, cap: usize) {
        self.lock().cap = cap.max(1);
    }

    /// Connections open to `host`.
    pub fn open(&self, host: &str) -> usize {
        self.lock().open.get(host).copied().unwrap_or(0)
    }

    /// Claims one connection to `host`, unless the cap is open already.
    pub fn try_claim(self: &Arc<Self>, host: &str) -> Option<Claim> {
        let mut inner = self.lock();
        let cap = inner.cap;
        let open = inner.open.entry(host.to_string()).or_default();
        if *open >= cap {
            return None;
        }
        *open += 1;
        Some(Claim {
            hosts: Arc::clone(self),
            host: host.to_string(),
        })
    }

    fn release(&self, host: &str) {
        let mut inner = self.lock();
        if let Some(open) = inner.open.get_mut(host) {
            *open = open.saturating_sub(1);
            if *open == 0 {
                inner.open.remove(host);
            }
        }
    }
}

/// One connection to a host, counted until dropped.
#[derive(Debug)]
pub struct Claim {
    hosts: Arc<HostConnections>,
    host: String,
}

impl Drop for Claim {
    fn drop(&mut self) {
        self.hosts.release(&self.host);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_stop_at_the_cap_and_come_back_when_dropped() {
        let hosts = HostConnections::new(2);
        let a = hosts.try_claim("cdn").unwrap();
        let b = hosts.try_claim("cdn").unwrap();
        assert!(hosts.try_claim("cdn").is_none(), "the cap is open");
        assert!(hosts.try_claim("other").is_some(), "each host has its own");
        assert_eq!(hosts.open("cdn"), 2);
        drop(a);
        assert_eq!(hosts.open("cdn"), 1);
        let c = hosts.try_claim("cdn").unwrap();
        hosts.set_cap(1);
        assert!(hosts.try_claim("cdn").is_none());
        drop((b, c));
        assert_eq!(hosts.open("cdn"), 0);
        assert!(hosts.try_claim("cdn").is_some());
    }
}
