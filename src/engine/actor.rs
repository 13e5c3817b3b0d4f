//! The engine's one owner of state: a task that applies commands and worker reports to the
//! downloads, then starts what the scheduler says, then saves the queue. Nothing else mutates a
//! download. The steps are small named functions: [`Actor::apply_command`],
//! [`Actor::apply_report`] (in `lifecycle.rs`), [`Actor::schedule`], [`Actor::persist_if_dirty`].
//! How a new or moved request meets an existing download is in `requests.rs`; the verbs on
//! chosen downloads (pause, resume, cancel, forget) in `verbs.rs`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, mpsc};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::command::Command;
use super::download::{Download, DownloadState, PauseReason, Priority};
use super::event::{Event, EventKind};
use super::job::{Report, WorkerContext};
use super::persist::Persister;
use super::speed::SpeedMeter;
use super::{Limits, Snapshot};

/// The most often the queue is written: a crash loses at most this much of the queue's
/// changes, which the manager's own state and the partial files on disk make good at restart.
pub const PERSIST_EVERY: Duration = Duration::from_millis(250);

/// The most commands applied before one scheduling pass: a burst (a manager enqueueing an
/// app's packs) costs one pass, and reports still get their turn.
const COMMANDS_AT_ONCE: usize = 64;

/// Sequence numbers of ordinary downloads start here; "move to top" counts down from it.
const FIRST_SEQUENCE: u64 = 1 << 40;

/// Why a running worker is being stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stop {
    Pause(PauseReason),
    Cancel,
    Shutdown,
    /// The download moved to another URL: it continues there from its partial file.
    Relocate,
}

/// A worker in flight.
pub(super) struct Running {
    pub cancel: CancellationToken,
    /// Cancelled only when the download is cancelled: a file it verifies is then not renamed
    /// into place. Any other stop (pause, shutdown, relocation) lets a verified file in.
    pub discard: CancellationToken,
    pub stop: Option<Stop>,
    /// The origin it fetches from, when it started, and the bytes the partial file held then:
    /// what its origin's speed is measured from.
    pub origin: url::Url,
    pub started: Instant,
    pub from_byte: u64,
    /// Its first connection, counted against the per-host cap until every byte is in (a
    /// verifying download has no connection open) or the attempt ends.
    pub claim: Option<super::hosts::Claim>,
}

/// The engine's state and the means to act on it.
pub(super) struct Actor {
    pub downloads: BTreeMap<String, Download>,
    /// Which download each destination belongs to (`destinations.rs`).
    pub destinations: super::destinations::Destinations,
    pub workers: HashMap<String, Running>,
    pub retry_at: HashMap<String, Instant>,
    pub waiting_for_space: HashSet<String>,
    pub last_space_check: Instant,
    pub speed: HashMap<String, SpeedMeter>,
    /// What is known of every origin's speed and failures (`origins`), for mirrors.
    pub origins: super::origins::Stats,
    pub limits: Limits,
    pub next_sequence: u64,
    pub top_sequence: u64,
    pub context: Arc<WorkerContext>,
    pub events: broadcast::Sender<Event>,
    pub persister: Option<Persister>,
    pub dirty: bool,
    /// When the queue was last handed to the persister: saves are at most every
    /// [`PERSIST_EVERY`], so a burst of commands costs one write, not one per command.
    pub last_persist: Instant,
    /// The last pass left every slot taken (`passes`: a download queued now that is not
    /// urgent cannot start, so no pass is run for it).
    pub slots_taken: bool,
    /// The last pass had a start refused by its host (`passes::after_report`).
    pub host_refused: bool,
}

impl Actor {
    /// An actor over `downloads` restored from disk.
    pub fn new(
        mut downloads: Vec<Download>,
        resume_on_start: bool,
        limits: Limits,
        context: Arc<WorkerContext>,
        events: broadcast::Sender<Event>,
        persister: Option<Persister>,
    ) -> Self {
        if !resume_on_start {
            for download in downloads.iter_mut().filter(|d| !d.state.is_terminal()) {
                download.state = DownloadState::Paused {
                    reason: PauseReason::Requested,
                };
            }
        }
        let next_sequence = downloads
            .iter()
            .map(|d| d.sequence + 1)
            .max()
            .unwrap_or(FIRST_SEQUENCE)
            .max(FIRST_SEQUENCE);
        let top_sequence = downloads
            .iter()
            .map(|d| d.sequence)
            .min()
            .unwrap_or(FIRST_SEQUENCE)
            .min(FIRST_SEQUENCE);
        Self {
            destinations: super::destinations::Destinations::of(&downloads),
            downloads: downloads
                .into_iter()
                .map(|d| (d.request.id.clone(), d))
                .collect(),
            workers: HashMap::new(),
            retry_at: HashMap::new(),
            waiting_for_space: HashSet::new(),
            last_space_check: Instant::now(),
            speed: HashMap::new(),
            origins: Default::default(),
            limits,
            next_sequence,
            top_sequence,
            context,
            events,
            persister,
            dirty: false,
            last_persist: Instant::now(),
            slots_taken: false,
            host_refused: false,
        }
    }

    /// Runs until `shutdown`, then stops every worker and saves the queue.
    pub async fn run(
        mut self,
        mut commands: mpsc::Receiver<Command>,
        mut reports: mpsc::Receiver<Report>,
        shutdown: CancellationToken,
    ) {
        self.resume_waiting_for_space_on_start();
        self.schedule();
        self.persist_now();
        loop {
            let wakeup = if self.dirty {
                self.next_wakeup().min(self.last_persist + PERSIST_EVERY)
            } else {
                self.next_wakeup()
            };
            // Whether a scheduling pass is due (`passes`): one for all that arrived together.
            let mut pass = false;
            tokio::select! {
                _ = shutdown.cancelled() => break,
                Some(command) = commands.recv() => self.take_command(command, &mut pass),
                Some(report) = reports.recv() => self.take_report(report, &mut pass),
                _ = tokio::time::sleep_until(wakeup) => {
                    self.wake_due();
                    pass = true;
                }
            }
            for _ in 0..COMMANDS_AT_ONCE {
                let Ok(command) = commands.try_recv() else {
                    break;
                };
                self.take_command(command, &mut pass);
            }
            while let Ok(report) = reports.try_recv() {
                self.take_report(report, &mut pass);
            }
            if pass {
                self.schedule();
            }
            self.persist_if_dirty();
        }
        self.stop_all(&mut reports).await;
        // Renames and syncs under way end before the process may exit.
        let left = self.context.finishers.close(Duration::from_secs(10)).await;
        if left > 0 {
            tracing::warn!("{left} downloads were still being installed at shutdown");
        }
        self.persist_now();
        if let Some(persister) = self.persister.take() {
            persister.finish().await;
        }
    }

    /// Sends an event; nobody listening is fine.
    pub fn emit(&self, id: &str, kind: EventKind) {
        let _ = self.events.send(Event {
            id: id.to_string(),
            kind,
        });
    }

    /// Applies `command`, noting in `pass` whether a scheduling pass is due. A snapshot taken
    /// while one is due waits for it, so that it shows what the commands before it started.
    fn take_command(&mut self, command: Command, pass: &mut bool) {
        if *pass && matches!(command, Command::Snapshot(_)) {
            self.schedule();
            *pass = false;
        }
        *pass |= super::passes::after_command(&command, self.slots_taken);
        self.apply_command(command);
    }

    /// Applies `report`, noting in `pass` whether a scheduling pass is due.
    fn take_report(&mut self, report: Report, pass: &mut bool) {
        *pass |= super::passes::after_report(&report, self.host_refused);
        self.apply_report(report);
    }

    /// Applies one command and answers it.
    pub fn apply_command(&mut self, command: Command) {
        match command {
            Command::Enqueue(request, reply) => {
                let _ = reply.send(self.enqueue(*request));
            }
            Command::Relocate(relocation, reply) => {
                let _ = reply.send(self.relocate(relocation));
            }
            Command::Pause(targets, reply) => {
                let _ = reply.send(Ok(self.pause(&targets)));
            }
            Command::Resume(targets, reply) => {
                let _ = reply.send(Ok(self.resume(&targets)));
            }
            Command::Cancel(targets, reply) => {
                let _ = reply.send(Ok(self.cancel(&targets)));
            }
            Command::Forget(targets, reply) => {
                let _ = reply.send(Ok(self.forget(&targets)));
            }
            Command::SetPriority(id, priority, reply) => {
                let _ = reply.send(self.set_priority(&id, priority, None));
            }
            Command::MoveToTop(id, reply) => {
                let result = self
                    .check_scheduled(&id, "moving it to the top")
                    .and_then(|()| {
                        self.top_sequence = self.top_sequence.saturating_sub(1);
                        let sequence = self.top_sequence;
                        self.set_priority(&id, Priority::MAX, Some(sequence))
                    });
                let _ = reply.send(result);
            }
            Command::SetLimits(limits, reply) => {
                self.limits = limits;
                self.context.limiter.set_rate(limits.bytes_per_second);
                self.context.hosts.set_cap(limits.max_per_host);
                let _ = reply.send(Ok(()));
            }
            Command::Snapshot(reply) => {
                let _ = reply.send(self.snapshot());
            }
        }
    }

    /// Every download, best ranked first.
    pub fn snapshot(&self) -> Snapshot {
        let mut downloads: Vec<Download> = self.downloads.values().cloned().collect();
        downloads.sort_by_key(super::scheduler::rank);
        Snapshot {
            downloads,
            limits: self.limits,
        }
    }

    /// Hands the queue to the persister when something changed and the last save is at least
    /// [`PERSIST_EVERY`] old (the loop wakes up for the deferred save).
    pub fn persist_if_dirty(&mut self) {
        if self.dirty && self.last_persist.elapsed() >= PERSIST_EVERY {
            self.persist_now();
        }
    }

    /// Hands the queue to the persister now if something changed.
    fn persist_now(&mut self) {
        if !std::mem::take(&mut self.dirty) {
            return;
        }
        self.last_persist = Instant::now();
        if let Some(persister) = &self.persister {
            persister.save(self.downloads.values());
        }
    }

    /// Stops every worker (their downloads are queued again, to resume at the next start).
    async fn stop_all(&mut self, reports: &mut mpsc::Receiver<Report>) {
        for running in self.workers.values_mut() {
            running.stop.get_or_insert(Stop::Shutdown);
            running.cancel.cancel();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.workers.is_empty() {
            match tokio::time::timeout_at(deadline, reports.recv()).await {
                Ok(Some(report)) => self.apply_report(report),
                _ => break,
            }
        }
    }
}
