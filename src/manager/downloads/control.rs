//! Exclusive control in the actor: [`crate::manager::exclusive`] decides, this holds the
//! requests that wait and answers them when the lease frees or their wait is over. Queue
//! changes of an app's downloads (`scheduleDownload`, `cancelDownload`,
//! `startForegroundDownload`) by anyone but the lease's holder wait; nothing is dropped: a wait
//! that runs out is answered `downloadsLocked`. Part of the actor.

use crate::manager::actor::{Actor, Reply};
use crate::manager::api::{ApiError, LeaseView, Request, Response};
use crate::manager::exclusive::{MAX_WAIT_MS, Waiter, Woken};
use crate::manager::state::now_ms;
use crate::model::ErrorKind;

/// A request waiting for an app's lease, and where its answer goes.
pub(in crate::manager) type Parked = (Request, Reply);

/// The app and lease of a queue change of an app's downloads.
fn queue_change(request: &Request) -> Option<(&str, Option<u64>)> {
    match request {
        Request::ScheduleDownload { app, lease, .. }
        | Request::CancelDownload { app, lease, .. }
        | Request::StartForegroundDownload { app, lease, .. } => Some((app, *lease)),
        _ => None,
    }
}

fn locked(app: &str, what: &str, waited_ms: u64) -> ApiError {
    ApiError::new(
        ErrorKind::DownloadsLocked,
        format!(
            "{what} of `{app}`: another holder kept the app's exclusive control of its downloads \
             for the {waited_ms} ms this waited; try again once it is released"
        ),
    )
}

impl Actor {
    /// Takes `request` if exclusive control has a say in it (acquire, release, or a queue
    /// change that must wait); gives it back otherwise.
    pub(in crate::manager) fn exclusive_gate(
        &mut self,
        request: Request,
        reply: Reply,
    ) -> Option<Parked> {
        let now = now_ms();
        match request {
            Request::AcquireExclusiveControl {
                app,
                wait_ms,
                hold_ms,
            } => {
                if !self.state.apps.contains_key(&app) {
                    let _ = reply.send(Err(ApiError::app_not_found(&app)));
                } else if let Some(lease) = self.exclusive.try_acquire(&app, hold_ms, now) {
                    let _ = reply.send(Ok(Response::AcquireExclusiveControl(view(lease))));
                } else if wait_ms == 0 {
                    let _ = reply.send(Err(locked(&app, "acquireExclusiveControl", 0)));
                } else {
                    let item = (
                        Request::AcquireExclusiveControl {
                            app: app.clone(),
                            wait_ms,
                            hold_ms,
                        },
                        reply,
                    );
                    let deadline_ms = now.saturating_add(wait_ms.min(MAX_WAIT_MS));
                    let acquire = Some(hold_ms);
                    self.exclusive.park(
                        Waiter {
                            app,
                            deadline_ms,
                            acquire,
                            item,
                        },
                        now,
                    );
                }
                None
            }
            Request::ReleaseExclusiveControl { app, lease } => {
                let result = if self.exclusive.release(&app, lease) {
                    Ok(Response::ReleaseExclusiveControl)
                } else {
                    Err(ApiError::new(
                        ErrorKind::DownloadInvalid,
                        format!(
                            "lease {lease} of `{app}` is not held: it was released, its time \
                             ran out, or it never was"
                        ),
                    ))
                };
                let _ = reply.send(result);
                self.wake_exclusive();
                None
            }
            request => {
                let Some((app, lease)) = queue_change(&request) else {
                    return Some((request, reply));
                };
                if !self.exclusive.blocks(app, lease, now) {
                    return Some((request, reply));
                }
                let app = app.to_string();
                let deadline_ms = now.saturating_add(MAX_WAIT_MS);
                let item = (request, reply);
                self.exclusive.park(
                    Waiter {
                        app,
                        deadline_ms,
                        acquire: None,
                        item,
                    },
                    now,
                );
                None
            }
        }
    }

    /// Ends leases whose time is up and answers the requests that waited for them: acquires
    /// get their lease, waits that ran out are refused, and queue changes are set aside for
    /// [`Actor::run_parked`].
    pub(in crate::manager) fn wake_exclusive(&mut self) {
        for woken in self.exclusive.wake(now_ms()) {
            match woken {
                Woken::Free(item) => self.parked_ready.push(item),
                Woken::Acquired((request, reply), lease) => {
                    let granted = Ok(Response::AcquireExclusiveControl(view(lease)));
                    if reply.send(granted).is_err()
                        && let Request::AcquireExclusiveControl { app, .. } = &request
                    {
                        // The asker left while it waited: nobody holds this lease.
                        self.exclusive.release(app, lease.id);
                    }
                }
                Woken::TimedOut((request, reply)) => {
                    let (app, waited) = match &request {
                        Request::AcquireExclusiveControl { app, wait_ms, .. } => {
                            (app.as_str(), (*wait_ms).min(MAX_WAIT_MS))
                        }
                        other => (queue_change(other).map_or("", |(app, _)| app), MAX_WAIT_MS),
                    };
                    let _ = reply.send(Err(locked(app, request.method(), waited)));
                }
            }
        }
    }

    /// Carries out the queue changes whose wait for the lease is over.
    pub(in crate::manager) async fn run_parked(&mut self) {
        for (request, reply) in std::mem::take(&mut self.parked_ready) {
            self.proceed(request, reply).await;
        }
    }

    /// When exclusive control next has something to do.
    pub(in crate::manager) fn exclusive_timer(&self) -> Option<tokio::time::Instant> {
        let next = self.exclusive.next_deadline()?;
        let wait = next.saturating_sub(now_ms());
        Some(tokio::time::Instant::now() + std::time::Duration::from_millis(wait))
    }
}

fn view(lease: crate::manager::exclusive::Lease) -> LeaseView {
    LeaseView {
        lease: lease.id,
        expires_at_ms: lease.expires_at_ms,
    }
}
