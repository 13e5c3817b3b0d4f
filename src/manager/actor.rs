//! The manager's one owner of state: a task that answers requests, follows the engine's events,
//! takes the results of background work (manifest fetches, installs) and saves the state.
//! Requests change intent ([`super::verbs`]); [`super::apply`] plans and applies; the status
//! document is maintained in [`super::snapshot`] and published (`outbox`) at most ten times a
//! second (and before any reply, so a caller sees what it changed).

use std::collections::HashMap;
use std::time::Duration;

use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio_util::sync::CancellationToken;

use super::api::{ApiError, Response};
use super::event::ManagerEvent;
use super::fetch::Fetched;
use super::plan::Launch;
use super::running::{InstallDone, RunningInstall};
use super::settings::Settings;
use super::snapshot::Views;
use super::state::{self, ManagerState};
use super::{ManagerConfig, ManagerError};
use crate::engine::{Engine, EngineHandle};
use crate::model::PackError;
use crate::store::Paths;
use crate::store::saver::Saver;

/// A reply channel for a request.
pub(super) type Reply = oneshot::Sender<Result<Response, ApiError>>;

use super::ticks;

/// How many queued requests are answered before the document is published once for all.
const BATCH: usize = 256;

/// Who waits for a manifest check, and what they are told.
pub(super) enum AfterFetch {
    /// A `checkUpdates`: the packs updating and removed.
    Updates(Reply),
    /// A `register`: the app's view, with its packs.
    App(String, Reply),
    /// An `ensure` with `requireLatest`: the pack's view once the manifest was read again.
    Ensure(String, String, Reply),
}

/// Work done off the actor that reports back to it.
pub(super) enum Internal {
    /// Manifests fetched; `reply` answers whoever waits for them.
    Manifests {
        results: Vec<(String, Result<Fetched, PackError>)>,
        reply: Option<AfterFetch>,
    },
    /// Plan `pack` of `app` again (an engine download was still winding down).
    Replan { app: String, pack: String },
    /// The app's downloader extension answered `shouldDownload` (or failed to).
    Asked(super::veto::Asked),
    /// The app's downloader extension answered about one of the app's downloads.
    Told(super::downloads::told::Told),
    /// The app's downloader extension answered a content request (or failed to).
    Content(super::content::ContentDone),
    /// Ask the app's extension for content again (its exclusive control was held).
    ContentDue {
        app: String,
        kind: crate::model::ContentKind,
    },
    /// The disk has room again for an install that failed `diskFull`.
    SpaceFreed {
        app: String,
        pack: String,
        version: u64,
    },
}

/// The manager's state and the means to act on it.
pub(super) struct Actor {
    pub paths: Paths,
    pub config: ManagerConfig,
    pub state: ManagerState,
    pub settings: Settings,
    pub languages: Vec<String>,
    pub engine: Option<Engine>,
    pub downloads: EngineHandle,
    pub client: reqwest::Client,
    pub events: broadcast::Sender<ManagerEvent>,
    pub internal: mpsc::Sender<Internal>,
    internal_receiver: Option<mpsc::Receiver<Internal>>,
    /// Running installs, one per pack at most.
    pub installs: HashMap<(String, String), RunningInstall>,
    pub install_done: mpsc::UnboundedSender<InstallDone>,
    install_receiver: Option<mpsc::UnboundedReceiver<InstallDone>>,
    /// Downloads the engine has for packs the state does not list yet, by (app, pack).
    pub unclaimed: HashMap<(String, String), super::mirror::Mirror>,
    /// Each app's launch readiness as last planned.
    pub launches: HashMap<String, Launch>,
    /// The status document, maintained.
    pub views: Views,
    /// The free space the document shows.
    pub(super) free_space: super::disk::FreeSpace,
    /// The watched folders' entries as last read.
    pub(super) watched: super::watched::Watched,
    /// The watches on the watched folders, and the receiver of their events (taken by `run`).
    pub(super) folder_watch: super::folder_watch::FolderWatch,
    folder_events: Option<tokio::sync::mpsc::UnboundedReceiver<super::folder_watch::Change>>,
    pub(super) published: watch::Sender<super::delta::Published>,
    /// Replies held until the document they follow is published.
    pub(super) pending: Vec<(Reply, Result<Response, ApiError>)>,
    /// Events held until the document that shows them is published.
    pub(super) outbox: Vec<ManagerEvent>,
    /// Whether the outbox holds an event a reader may follow with a status request (anything
    /// but progress).
    pub(super) outbox_urgent: bool,
    /// Bytes freed by deletes since the counter was last taken.
    pub freed: u64,
    saver: Option<Saver>,
    pub dirty: bool,
    /// The connection extensions registered over the socket.
    pub(super) extensions: super::extensions::ConnectedExtensions,
    /// Calls of each app's extension still running (told `willTerminate` at shutdown).
    pub(super) extension_calls: HashMap<String, usize>,
    /// Apps whose periodic content request is running or waiting for exclusive control: the
    /// next period skips them rather than pile up another.
    pub(super) periodic_pending: std::collections::HashSet<String>,
    /// Each app's exclusive control of its downloads, and the requests waiting for it.
    pub exclusive: super::exclusive::Exclusive<super::downloads::control::Parked>,
    /// Queue changes whose wait for exclusive control is over, to carry out.
    pub parked_ready: Vec<super::downloads::control::Parked>,
    /// The bandwidth limit of delta updates' range requests (at the engine's rate).
    pub patch_limiter: std::sync::Arc<crate::engine::limiter::RateLimiter>,
}

impl Actor {
    pub fn new(
        config: ManagerConfig,
        settings: Settings,
        engine: Engine,
        events: broadcast::Sender<ManagerEvent>,
        published: watch::Sender<super::delta::Published>,
    ) -> Result<Self, ManagerError> {
        let paths = config.paths.clone();
        let client = super::fetch::manifest_client(&config)?;
        let languages = if settings.languages.is_empty() {
            super::languages::from_environment()
        } else {
            settings.languages.clone()
        };
        let (internal, internal_receiver) = mpsc::channel(64);
        let (install_done, install_receiver) = mpsc::unbounded_channel();
        let (folder_watch, folder_events) = super::folder_watch::FolderWatch::new();
        let patch_limiter = std::sync::Arc::new(crate::engine::limiter::RateLimiter::new(
            settings.limits.bytes_per_second,
        ));
        Ok(Self {
            state: state::load(&paths.state_file()),
            saver: Some(Saver::start(paths.state_file())),
            downloads: engine.handle(),
            engine: Some(engine),
            paths,
            config,
            settings,
            languages,
            client,
            events,
            internal,
            internal_receiver: Some(internal_receiver),
            installs: HashMap::new(),
            install_done,
            install_receiver: Some(install_receiver),
            unclaimed: HashMap::new(),
            launches: HashMap::new(),
            views: Views::default(),
            free_space: super::disk::FreeSpace::default(),
            watched: Default::default(),
            folder_watch,
            folder_events: Some(folder_events),
            published,
            pending: Vec::new(),
            outbox: Vec::new(),
            outbox_urgent: false,
            freed: 0,
            dirty: false,
            extensions: Default::default(),
            extension_calls: HashMap::new(),
            periodic_pending: Default::default(),
            exclusive: Default::default(),
            parked_ready: Vec::new(),
            patch_limiter,
        })
    }

    pub async fn run(
        mut self,
        mut calls: mpsc::Receiver<super::Call>,
        shutdown: CancellationToken,
    ) {
        let (Some(mut internal), Some(mut installed), Some(mut folder_events)) = (
            self.internal_receiver.take(),
            self.install_receiver.take(),
            self.folder_events.take(),
        ) else {
            return;
        };
        let mut engine_events = self.downloads.subscribe();
        super::leftovers::sweep(&self.paths, &self.downloads, &self.state).await;
        self.restore().await;
        let mut folders_changed_at = self
            .scan_watched_folders()
            .await
            .then(tokio::time::Instant::now);
        let mut last_scan = tokio::time::Instant::now();
        self.start_update_check(None, None);
        let update_every = self.config.update_interval.unwrap_or(Duration::from_secs(
            self.settings.update_interval_seconds.max(60),
        ));
        let start = tokio::time::Instant::now();
        let mut updates = tokio::time::interval_at(start + update_every, update_every);
        let scan_every = self.config.watch_interval.max(Duration::from_millis(100));
        let content_every = self.config.content_interval.max(Duration::from_millis(100));
        let mut contents = tokio::time::interval_at(start + content_every, content_every);
        for timer in [&mut updates, &mut contents] {
            timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        }
        self.views.touch();
        self.publish();
        self.flush(true);
        let mut last_publish = tokio::time::Instant::now();
        let mut last_save = last_publish;
        loop {
            let measure_at = self
                .free_space
                .next_measure()
                .map(tokio::time::Instant::from_std);
            let publish_at = ticks::next_publish(last_publish, self.has_unpublished(), measure_at);
            let save_at = ticks::next_save(last_save, self.dirty);
            let scan_at = super::folder_watch::next_scan(
                last_scan,
                scan_every,
                self.folder_watch.complete(),
                folders_changed_at,
            );
            tokio::select! {
                _ = shutdown.cancelled() => break,
                Some(call) = calls.recv() => {
                    let mut together = vec![call];
                    while together.len() < BATCH {
                        let Ok(call) = calls.try_recv() else { break };
                        together.push(call);
                    }
                    self.answer_all(together).await;
                }
                event = engine_events.recv() => match event {
                    Ok(event) => self.on_download_event(event).await,
                    Err(broadcast::error::RecvError::Lagged(_)) => self.resync().await,
                    Err(broadcast::error::RecvError::Closed) => break,
                },
                Some(work) = internal.recv() => self.on_internal(work).await,
                Some(done) = installed.recv() => self.on_installed(done).await,
                _ = updates.tick() => self.start_update_check(None, None),
                Some(change) = folder_events.recv() => {
                    let mut changes = vec![change];
                    while let Ok(more) = folder_events.try_recv() {
                        changes.push(more);
                    }
                    if changes.contains(&super::folder_watch::Change::Structure) {
                        self.folder_watch.renew();
                    }
                    folders_changed_at.get_or_insert_with(tokio::time::Instant::now);
                }
                _ = until(scan_at) => {
                    let added = self.scan_watched_folders().await;
                    last_scan = tokio::time::Instant::now();
                    folders_changed_at = added.then_some(last_scan);
                }
                _ = contents.tick() => self.request_periodic_content(),
                _ = until(save_at) => {
                    self.save_if_dirty();
                    last_save = tokio::time::Instant::now();
                }
                _ = tokio::time::sleep_until(publish_at) => {
                    self.publish();
                    self.flush(true);
                    last_publish = tokio::time::Instant::now();
                }
                _ = until(self.exclusive_timer()) => self.wake_exclusive(),
            }
            self.run_parked().await;
            self.flush(false);
        }
        self.tell_extensions_terminating().await;
        self.finish_installs().await;
        self.flush(true);
        self.save_if_dirty();
        if let Some(saver) = self.saver.take() {
            saver.finish().await;
        }
        if let Some(engine) = self.engine.take() {
            engine.shutdown().await;
        }
    }

    /// Saves the state (compact JSON) if it changed; at most every [`ticks::SAVE_EVERY`].
    fn save_if_dirty(&mut self) {
        if !std::mem::take(&mut self.dirty) {
            return;
        }
        if let Some(saver) = &self.saver
            && let Err(error) = saver.save_json(&self.state)
        {
            tracing::error!("cannot write the manager's state: {error}");
        }
    }
}

/// Waits until `deadline`; forever without one.
async fn until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
