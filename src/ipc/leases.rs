//! The exclusive-control leases one connection holds (`acquireExclusiveControl`), server side:
//! a queue change the connection sends for an app whose lease it holds carries that lease (so
//! the manager lets its holder through), and when the connection closes every lease it still
//! holds is released: a lease never outlives the app that took it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::manager::api::{ApiError, Request, Response};

/// The leases of one connection, by app; shared with its running calls.
#[derive(Debug, Clone, Default)]
pub struct Leases(Arc<Mutex<BTreeMap<String, u64>>>);

impl Leases {
    fn with<R>(&self, f: impl FnOnce(&mut BTreeMap<String, u64>) -> R) -> R {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Gives a queue change without a lease the one this connection holds for its app.
    pub fn fill(&self, request: &mut Request) {
        if let Request::ScheduleDownload { app, lease, .. }
        | Request::CancelDownload { app, lease, .. }
        | Request::StartForegroundDownload { app, lease, .. } = request
            && lease.is_none()
        {
            *lease = self.with(|held| held.get(app.as_str()).copied());
        }
    }

    /// Notes a lease taken or released by `request`, answered `result`.
    pub fn note(&self, request: &Request, result: &Result<Response, ApiError>) {
        match (request, result) {
            (
                Request::AcquireExclusiveControl { app, .. },
                Ok(Response::AcquireExclusiveControl(granted)),
            ) => self.with(|held| held.insert(app.clone(), granted.lease)),
            (Request::ReleaseExclusiveControl { app, lease }, _) => self.with(|held| {
                if held.get(app.as_str()) == Some(lease) {
                    held.remove(app.as_str());
                }
                None
            }),
            _ => None,
        };
    }

    /// Every lease still held, forgotten here (the connection is closing).
    pub fn take_all(&self) -> Vec<(String, u64)> {
        self.with(std::mem::take).into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manager::api::LeaseView;

    fn schedule(lease: Option<u64>) -> Request {
        let download = serde_json::from_value(
            serde_json::json!({"identifier": "x", "url": "https://cdn.example/x"}),
        )
        .unwrap();
        Request::ScheduleDownload {
            app: "a".into(),
            download: Box::new(download),
            lease,
        }
    }

    #[test]
    fn a_held_lease_goes_with_the_connections_queue_changes_until_released() {
        let leases = Leases::default();
        let acquire = Request::AcquireExclusiveControl {
            app: "a".into(),
            wait_ms: 0,
            hold_ms: 1,
        };
        let granted = LeaseView {
            lease: 7,
            expires_at_ms: 9,
        };
        leases.note(&acquire, &Ok(Response::AcquireExclusiveControl(granted)));
        let mut request = schedule(None);
        leases.fill(&mut request);
        assert_eq!(request, schedule(Some(7)));
        let mut own = schedule(Some(3));
        leases.fill(&mut own);
        assert_eq!(own, schedule(Some(3)), "a lease the client names stays");
        let release = Request::ReleaseExclusiveControl {
            app: "a".into(),
            lease: 7,
        };
        leases.note(&release, &Ok(Response::ReleaseExclusiveControl));
        assert!(leases.take_all().is_empty());
    }

    #[test]
    fn a_closing_connection_hands_back_every_lease_once() {
        let leases = Leases::default();
        for (app, lease) in [("a", 1), ("b", 2)] {
            let acquire = Request::AcquireExclusiveControl {
                app: app.into(),
                wait_ms: 0,
                hold_ms: 1,
            };
            let view = LeaseView {
                lease,
                expires_at_ms: 9,
            };
            leases.note(&acquire, &Ok(Response::AcquireExclusiveControl(view)));
        }
        assert_eq!(leases.take_all(), [("a".into(), 1), ("b".into(), 2)]);
        assert!(leases.take_all().is_empty());
    }
}
