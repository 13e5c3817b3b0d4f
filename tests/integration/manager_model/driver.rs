//! One sequence against the real thing: a mock server on 127.0.0.1 serving the world's site, a
//! manager in a temp data dir, each step applied to them and to the test's [`Intent`], and
//! every check run after every step. The steps that wait (pause, restart, settle) are in
//! `driver/waits.rs`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bgassets::manager::{Manager, ManagerConfig, ManagerHandle};
use bgassets::server::{Faults, ServeConfig, Server};
use bgassets::store::Paths;

use super::adapter;
use super::checks::{self, Check, Intent, Violation};
use super::observe::{self, Installs, selected};
use super::ops::{Fault, Op, Sel};
use super::stats::Stats;
use super::world::{self, PACKS};

mod waits;

/// How long a settle may take before "nothing settles" is reported.
const SETTLE: Duration = Duration::from_secs(20);
/// A healthy server's rate: the app's packs take about 140 ms in all, so steps meet
/// downloads in flight.
const HEALTHY_RATE: u64 = 1_000_000;
/// How long nothing may be at work before the app counts as settled.
const QUIET: Duration = Duration::from_millis(100);
/// How long downloads may stay queued, nothing else at work, before they count as waiting
/// behind a pause rather than about to start.
const QUEUED_QUIET: Duration = Duration::from_millis(1000);
/// How long a pause may take to stop a transfer.
const PAUSE: Duration = Duration::from_secs(3);

/// Quick retries, and a stall noticed in a third of a second.
fn config(paths: Paths) -> ManagerConfig {
    let mut config = ManagerConfig::new(paths);
    config.retry = bgassets::engine::RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(100),
        max_retry_after: Duration::from_millis(200),
        connect_timeout: Duration::from_secs(2),
        stall_timeout: Duration::from_millis(300),
    };
    config.watch_interval = Duration::from_secs(3600);
    config
}

fn faults(fault: Fault) -> Faults {
    let mut faults = Faults::default();
    match fault {
        Fault::None => faults.rate = Some(HEALTHY_RATE),
        Fault::Slow => faults.rate = Some(200_000),
        Fault::Fail => {
            faults.fail_rate = 1.0;
            faults.retry_after = 0;
        }
        Fault::Corrupt => faults.corrupt = true,
        Fault::Drop => faults.drop_after = Some(6 * 1024),
        Fault::Stall => faults.stall_after = Some(12 * 1024),
    }
    faults
}

/// A running sequence.
pub struct Run {
    dir: tempfile::TempDir,
    server: Server,
    manager: Option<Manager>,
    handle: ManagerHandle,
    installs: Arc<Mutex<Installs>>,
    watcher: tokio::task::JoinHandle<()>,
    intent: Intent,
    bundle_version: u32,
    /// The fault the server injects now.
    fault: Fault,
    step: usize,
    pub found: Vec<Violation>,
    pub stats: Stats,
}

impl Run {
    /// Publishes the first listing, starts the server and a manager preferring English.
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let intent = Intent::default();
        world::publish(&dir.path().join("site"), &intent.listing);
        let mut serve = ServeConfig::new(dir.path().join("site"));
        serve.faults = faults(Fault::None);
        let server = Server::start(serve).await.unwrap();
        let manager = Manager::start(config(Paths::under(dir.path().join("data"))))
            .await
            .unwrap();
        let handle = manager.handle();
        let installs = Arc::new(Mutex::new(Installs::default()));
        let watcher = observe::watch_installs(&handle, installs.clone());
        adapter::set_language(&handle, "en").await.unwrap();
        Self {
            dir,
            server,
            manager: Some(manager),
            handle,
            installs,
            watcher,
            intent,
            bundle_version: 1,
            fault: Fault::None,
            step: 0,
            found: Vec::new(),
            stats: Stats::default(),
        }
    }

    fn note(&mut self, found: Vec<(Check, String)>) {
        let step = self.step;
        self.found.extend(
            found
                .into_iter()
                .map(|(check, what)| Violation { check, step, what }),
        );
    }

    fn publish(&self) {
        world::publish(&self.dir.path().join("site"), &self.intent.listing);
    }

    async fn register(&mut self) {
        let url = self.server.manifest_url();
        let plist = world::plist(&self.dir.path().join("apps"), &url, self.bundle_version);
        let _ = adapter::register(&self.handle, plist).await;
    }

    /// Applies `op`, then runs every check.
    pub async fn step(&mut self, op: Op) {
        self.step += 1;
        self.stats.steps += 1;
        let handle = self.handle.clone();
        match op {
            Op::Register => self.register().await,
            Op::UpdateApp => {
                self.bundle_version += 1;
                self.register().await;
            }
            Op::Ensure(p) => self.ensure(p, false).await,
            Op::EnsureLatest(p) => self.ensure(p, true).await,
            Op::Pause(sel) => self.pause(sel).await,
            Op::Resume(sel) => self.resume(sel).await,
            Op::Prioritize(p, to) => drop(adapter::prioritize(&handle, p, to).await),
            Op::Remove(p) => {
                let _ = adapter::remove(&handle, p).await;
                self.intent.ensured.remove(&p);
                self.intent.seen_paused.remove(&p);
            }
            Op::CheckUpdates => drop(adapter::check_updates(&handle).await),
            Op::NewVersion(p) => {
                self.intent.listing.versions[p] += 1;
                self.publish();
            }
            Op::Unlist(p) => {
                if self.intent.listing.listed.iter().filter(|l| **l).count() > 1 {
                    self.intent.listing.listed[p] = false;
                    self.intent.ensured.remove(&p);
                    self.publish();
                }
            }
            Op::Relist(p) => {
                self.intent.listing.listed[p] = true;
                self.publish();
            }
            Op::MoveUrls => {
                let folder = &mut self.intent.listing.folder;
                *folder = if *folder == "packs" { "moved" } else { "packs" };
                self.publish();
            }
            Op::Languages(tag) => drop(adapter::set_language(&handle, tag).await),
            Op::Fault(fault) => {
                self.server.set_faults(faults(fault)).unwrap();
                self.fault = fault;
            }
            Op::Restart => self.restart().await,
            Op::Settle => self.settle().await,
        }
        self.check().await;
    }

    /// Resumes the selection. A resume refused (a pack no manifest has listed yet) resumes
    /// nothing: a pause of its app still holds it once it is listed.
    async fn resume(&mut self, sel: Sel) {
        if adapter::resume(&self.handle, sel).await.is_err() {
            return;
        }
        for p in selected(sel) {
            self.intent.paused.remove(&p);
            self.intent.seen_paused.remove(&p);
        }
    }

    /// Ensures pack `p`; with `latest` and a server that serves the manifest, the version it
    /// lists must be the one listed when the call returns.
    async fn ensure(&mut self, p: usize, latest: bool) {
        if adapter::ensure(&self.handle, p, latest).await.is_err() {
            return;
        }
        self.intent.ensured.insert(p);
        self.intent.paused.remove(&p);
        self.intent.seen_paused.remove(&p);
        let readable = matches!(self.fault, Fault::None | Fault::Slow);
        if latest && readable && self.intent.listing.listed[p] {
            let seen = adapter::status(&self.handle).await;
            let listed = seen.pack(PACKS[p].id).and_then(|s| s.listed);
            let served = self.intent.listing.versions[p];
            if listed != Some(served) {
                let what = format!(
                    "ensure({}, requireLatest) returned listing {listed:?}, the server lists {served}",
                    PACKS[p].id
                );
                self.note(vec![(Check::EnsureLatestRereads, what)]);
            }
        }
    }

    /// Counts the installs the watcher saw and notes what it found; `fresh` also forgets the
    /// installs it saw running (a new manager runs none of them).
    fn drain_installs(&mut self, fresh: bool) {
        let (began, found) = {
            let mut installs = self.installs.lock().unwrap_or_else(|e| e.into_inner());
            let taken = (installs.began, std::mem::take(&mut installs.found));
            installs.began = 0;
            if fresh {
                *installs = Installs::default();
            }
            taken
        };
        self.stats.installs += began;
        let found = found
            .into_iter()
            .map(|what| (Check::OneInstallAtATime, what));
        self.note(found.collect());
    }

    /// Every check, on the document now and the files.
    async fn check(&mut self) {
        let seen = adapter::status(&self.handle).await;
        self.intent.seen_paused.retain(|p, still| {
            seen.pack(PACKS[*p].id)
                .is_some_and(|s| s.listed == still.listed)
        });
        let found = checks::document(&seen, &mut self.intent);
        self.note(found);
        let found = observe::files_settled(&self.handle).await;
        self.note(found);
        self.drain_installs(false);
        self.stats.observe(&seen);
    }

    /// Lifts every fault and limit of the server, settles, checks, and stops the manager and
    /// the server.
    pub async fn finish(mut self) -> (Vec<Violation>, Stats) {
        self.server.set_faults(Faults::default()).unwrap();
        self.step(Op::Settle).await;
        self.watcher.abort();
        if let Some(manager) = self.manager.take() {
            manager.shutdown().await;
        }
        self.server.shutdown().await;
        (self.found, self.stats)
    }
}
