//! How the engine moves downloads along: applying worker reports and starting what the
//! scheduler picks. Part of [`Actor`]; retrying or failing an attempt is in `failure.rs`, the
//! timers (retry delays, disk space) in `waiting.rs`.

use std::sync::Arc;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::actor::{Actor, Running, Stop};
use super::download::{DownloadState, PauseReason};
use super::event::EventKind;
use super::http::Failure;
use super::job::{Finished, Job, Report};
use super::scheduler;
use super::worker;

impl Actor {
    /// Applies what a worker reported.
    pub fn apply_report(&mut self, report: Report) {
        match report {
            Report::Response {
                id,
                validator,
                total,
                from,
            } => {
                let Some(download) = self.downloads.get_mut(&id) else {
                    return;
                };
                download.validator = validator;
                download.bytes_total = total.or(download.bytes_total);
                download.bytes_done = from;
                download.discard_partial = false;
                if download.state == DownloadState::Connecting {
                    download.state = DownloadState::Downloading;
                }
                self.dirty = true;
            }
            Report::Progress { id, bytes_done } => {
                let Some(download) = self.downloads.get_mut(&id) else {
                    return;
                };
                download.bytes_done = bytes_done;
                download.bytes_per_second =
                    self.speed.entry(id.clone()).or_default().sample(bytes_done);
                if download.state == DownloadState::Downloading {
                    let progress = download.progress();
                    self.emit(
                        &id,
                        EventKind::Progress {
                            progress,
                            eta_seconds: progress.eta_seconds(),
                        },
                    );
                }
            }
            Report::Connections { id, open } => {
                if let Some(download) = self.downloads.get_mut(&id)
                    && self.workers.contains_key(&id)
                {
                    download.connections = open.max(1);
                }
            }
            Report::Verifying { id } => {
                let Some(download) = self.downloads.get_mut(&id) else {
                    return;
                };
                if download.state.is_active() {
                    download.state = DownloadState::Verifying;
                    self.emit(&id, EventKind::Verifying);
                }
                // No connection is open while it syncs, checks and renames: the host's next
                // download may start (the scheduler does not count verifying ones either).
                if let Some(running) = self.workers.get_mut(&id) {
                    running.claim = None;
                }
            }
            Report::Done { id, result } => self.finish_attempt(&id, result),
        }
    }

    fn finish_attempt(&mut self, id: &str, result: Result<Finished, Failure>) {
        let running = self.workers.remove(id);
        let stop = running.as_ref().and_then(|running| running.stop);
        self.speed.remove(id);
        self.dirty = true;
        let Some(download) = self.downloads.get(id) else {
            return;
        };
        if let Some(running) = running {
            let reached = match &result {
                Ok(finished) => finished.size,
                Err(_) => super::segments::kept_bytes(&download.request.partial_path()),
            };
            let moved = reached.saturating_sub(running.from_byte);
            self.origins
                .measured(&running.origin, moved, running.started.elapsed());
        }
        let Some(download) = self.downloads.get_mut(id) else {
            return;
        };
        download.bytes_per_second = 0;
        download.connections = 0;
        match (result, stop) {
            (Ok(finished), _) => {
                download.state = DownloadState::Finished;
                download.bytes_done = finished.size;
                download.bytes_total = Some(finished.size);
                download.last_error = None;
                download.sha256 = Some(finished.sha256);
                self.emit(
                    id,
                    EventKind::Finished {
                        sha256: finished.sha256,
                        size: finished.size,
                    },
                );
            }
            (Err(_), Some(stop)) => {
                // Stopped on purpose: the command already set the state.
                let partial = download.request.partial_path();
                download.bytes_done = super::segments::kept_bytes(&partial);
                if stop == Stop::Cancel && download.state == DownloadState::Cancelled {
                    super::segments::remove_partial(&partial);
                    download.bytes_done = 0;
                } else {
                    let bytes_done = download.bytes_done;
                    self.emit(id, EventKind::Kept { bytes_done });
                }
                let Some(download) = self.downloads.get_mut(id) else {
                    return;
                };
                if stop == Stop::Shutdown && !download.state.is_terminal() {
                    download.state = DownloadState::Queued;
                }
                // Moved to another URL while running: continue there from the partial file.
                if stop == Stop::Relocate && download.state.is_active() {
                    download.state = DownloadState::Queued;
                    self.emit(id, EventKind::Queued);
                }
            }
            (Err(failure), None) => self.handle_failure(id, failure),
        }
    }

    /// Starts what the scheduler picks; pauses what it preempts, and what exceeds a lowered limit.
    pub fn schedule(&mut self) {
        let decision = scheduler::decide(self.downloads.values(), &self.limits);
        let full = decision.full;
        for id in decision.preempt {
            self.preempt(&id);
        }
        self.enforce_concurrency();
        let mut host_bound = scheduler::HostBound {
            full_hosts: decision.full_hosts,
            ..Default::default()
        };
        for id in decision.start {
            if !self.workers.contains_key(&id) && !self.start(&id) {
                host_bound.refused.insert(id);
            }
        }
        // A start its host refused leaves a slot free.
        self.host_refused = !host_bound.refused.is_empty();
        self.slots_taken = full && !self.host_refused;
        self.tell_waits(&host_bound);
    }

    /// Records why each queued download waits, and tells the ones whose reason changed
    /// ([`EventKind::Waiting`]): a queue that says only "waiting for a slot" while slots are
    /// free would not be honest.
    fn tell_waits(&mut self, host_bound: &scheduler::HostBound) {
        let limit = self.limits.max_per_host.max(1);
        for (id, wait) in scheduler::changed_waits(self.downloads.values(), host_bound, limit) {
            let Some(download) = self.downloads.get_mut(&id) else {
                continue;
            };
            download.wait = wait.clone();
            if download.state == DownloadState::Queued {
                self.emit(&id, EventKind::Waiting { reason: wait });
            }
        }
    }

    fn preempt(&mut self, id: &str) {
        let Some(download) = self.downloads.get_mut(id) else {
            return;
        };
        download.state = DownloadState::Queued;
        if let Some(running) = self.workers.get_mut(id) {
            running.stop = Some(Stop::Pause(PauseReason::Preempted));
            running.cancel.cancel();
        }
        self.emit(
            id,
            EventKind::Paused {
                reason: PauseReason::Preempted,
            },
        );
        self.dirty = true;
    }

    /// After the limit is lowered, the lowest-ranked extra transfers go back to the queue (a
    /// verifying download has all its bytes: it is never sent back).
    fn enforce_concurrency(&mut self) {
        let mut running: Vec<_> = self
            .downloads
            .values()
            .filter(|d| scheduler::transfers(&d.state))
            .map(|d| (scheduler::rank(d), d.request.id.clone()))
            .collect();
        running.sort();
        let limit = self.limits.max_concurrent.max(1);
        for (_, id) in running.into_iter().skip(limit) {
            self.preempt(&id);
        }
    }

    /// Starts a worker for `id`; false when its host has no connection to spare (it stays
    /// queued).
    fn start(&mut self, id: &str) -> bool {
        self.choose_origin(id);
        let host = self
            .downloads
            .get(id)
            .map(|d| d.host().to_string())
            .unwrap_or_default();
        // The host may have the cap open already (a segmented download's connections, counted
        // as they open): the download stays queued until one ends.
        let Some(claim) = self.context.hosts.try_claim(&host) else {
            return false;
        };
        let others = scheduler::host_claims(self.downloads.values(), id, &host);
        let connections = super::segments::connection_cap(
            self.context.segments.max_connections,
            self.limits.max_per_host,
            others,
        );
        let Some(download) = self.downloads.get_mut(id) else {
            return true;
        };
        download.attempts += 1;
        download.state = DownloadState::Connecting;
        download.connections = 1;
        let job = Job {
            request: super::origins::request_for(&download.request, download.origin),
            validator: download.validator.clone(),
            restart: download.discard_partial,
            connections,
        };
        let from_byte = if download.discard_partial {
            0
        } else {
            download.bytes_done
        };
        // Bytes already in the partial file are not new when an attempt ends.
        download.budget.furthest = download.budget.furthest.max(from_byte);
        let attempt = download.attempts;
        let (cancel, discard) = (CancellationToken::new(), CancellationToken::new());
        self.workers.insert(
            id.to_string(),
            Running {
                cancel: cancel.clone(),
                discard: discard.clone(),
                stop: None,
                origin: job.request.url.clone(),
                started: Instant::now(),
                from_byte,
                claim: Some(claim),
            },
        );
        let stops = worker::Stops { cancel, discard };
        tokio::spawn(worker::run(Arc::clone(&self.context), job, stops));
        self.emit(id, EventKind::Started { attempt, from_byte });
        self.dirty = true;
        true
    }
}

#[cfg(test)]
#[path = "lifecycle_tests.rs"]
mod tests;
