//! The managed layer of Background Assets (`AssetPackManager`): apps registered from their
//! Info.plists, their manifests, policies (essential, prefetch, on demand), installs, updates,
//! obsolete packs and removal, on top of the download engine.
//!
//! One task, the actor, owns the apps and packs; everything else holds a [`ManagerHandle`] and
//! speaks the [`api::Request`] vocabulary, observing through [`event::ManagerEvent`]s and the
//! [`view::StatusDocument`].
//!
//! - [`api`]: requests, selections, errors: the command vocabulary.
//! - [`view`]: the status document's types (`ctl status --json`, the window, the inspector).
//! - [`event`]: what observers are told.
//! - [`state`]: what is saved: per pack what was asked (intent) apart from what was seen.
//! - [`plan`]: the one pure decision from intent and observation to actions and shown states;
//!   [`limits`]: size caps and allowances; [`languages`]: choosing language variants.
//! - [`key`]: the typed key of a managed download in the engine; [`mirror`]: the engine's
//!   downloads as the manager follows them.
//! - [`downloads`]: apps' own downloads (`BADownloadManager`), saved with their app;
//!   [`exclusive`]: an app's exclusive control of them.
//! - `extensions`: the apps' downloader extensions (connection ones registered over the
//!   socket, process ones from Info.plists) and which one to ask.
//! - [`settings`]: limits, languages, watched folders.
//! - [`registry`]: finding and reading Info.plists; [`app_icon`]: an app's own icon, checked;
//!   [`fetch`]: manifests over HTTPS with ETags.
//! - The actor: `actor` (its loop), `answer` (requests to verbs), `verbs` (intent changes),
//!   `apps` (register, unregister), `updates` (manifests applied), `apply` (plans applied),
//!   `start` (a pack's version handed to the engine), `origins` (a pack's mirrors, checked
//!   against the app's allow list),
//!   `observe` (engine events), `installs` (installs under its control), `patching` (delta
//!   updates run in the install slot, falling back to the whole archive), `snapshot` (the
//!   maintained status document), `ticks` (when its publish and save timers fire), `space` (installs waiting for disk space), `disk` (the free space the document
//!   shows), `watched` (what the watched-folder scan remembers), `leftovers`
//!   (the start-up sweep).
//!
//! The demo's wiring (mock server, demo app, a manager on them) lives in `crate::demo`.

mod actor;
mod answer;
pub mod api;
pub mod app_icon;
mod apply;
mod apps;
mod batch;
mod checks;
mod content;
pub mod delta;
mod disk;
pub mod downloads;
mod ensure;
pub mod event;
pub mod exclusive;
mod extensions;
pub mod fetch;
mod folder_watch;
mod installs;
pub mod key;
pub mod languages;
mod leftovers;
pub mod limits;
pub mod mirror;
mod observe;
mod origins;
mod outbox;
mod patching;
pub mod plan;
mod queue;
pub mod registry;
mod running;
pub mod settings;
mod snapshot;
mod space;
mod start;
pub mod state;
mod ticks;
pub mod updates;
mod verbs;
mod veto;
pub mod view;
mod watched;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio_util::sync::CancellationToken;

use crate::engine::{Engine, EngineConfig, RetryPolicy};
use crate::store::Paths;
use api::{ApiError, ManagerApi, Request, Response};
use event::{ManagerEvent, ManagerEventKind};
use view::{PackView, StatusDocument};

/// How a manager is started.
#[derive(Debug, Clone)]
pub struct ManagerConfig {
    /// Where the manager's files live.
    pub paths: Paths,
    /// Hosts that may be reached over plain HTTP (besides loopback), for testing.
    pub insecure_hosts: Vec<String>,
    /// PEM certificates to trust besides the system's (a local test server's).
    pub extra_root_certificates: Vec<PathBuf>,
    /// Timeouts and the retry schedule of downloads and manifest fetches.
    pub retry: RetryPolicy,
    /// How often watched folders are scanned for apps.
    pub watch_interval: Duration,
    /// Overrides the saved update period.
    pub update_interval: Option<Duration>,
    /// The bounds of one call of an app's downloader extension.
    pub extension_limits: crate::extension::ExtensionLimits,
    /// How often apps' downloader extensions get a `periodic` content request.
    pub content_interval: Duration,
}

/// How often apps' downloader extensions are asked for content by default (`periodic`).
pub const DEFAULT_CONTENT_INTERVAL: Duration = Duration::from_secs(6 * 60 * 60);

impl ManagerConfig {
    /// Defaults for a manager whose files live in `paths`.
    pub fn new(paths: Paths) -> Self {
        Self {
            paths,
            insecure_hosts: Vec::new(),
            extra_root_certificates: Vec::new(),
            retry: RetryPolicy::default(),
            watch_interval: Duration::from_secs(5),
            update_interval: None,
            extension_limits: crate::extension::ExtensionLimits::default(),
            content_interval: DEFAULT_CONTENT_INTERVAL,
        }
    }
}

/// Why a manager could not start.
#[derive(Debug, thiserror::Error)]
pub enum ManagerError {
    #[error("another bgassets manager is already running on {data_dir}")]
    /// Another manager holds the data dir's lock.
    AlreadyRunning {
        /// The data dir.
        data_dir: PathBuf,
    },
    #[error("cannot prepare {path}")]
    /// A folder or file of the data dir could not be prepared.
    Io {
        /// What could not be prepared.
        path: PathBuf,
        #[source]
        /// Why.
        source: std::io::Error,
    },
    #[error("cannot start the download engine")]
    /// The download engine could not start.
    Engine(#[from] crate::engine::EngineError),
}

/// A request and where its answer goes.
pub(crate) type Call = (Request, oneshot::Sender<Result<Response, ApiError>>);

/// A cloneable way to ask the manager and watch it. Its typed verbs are [`ManagerApi`]'s.
#[derive(Debug, Clone)]
pub struct ManagerHandle {
    calls: mpsc::Sender<Call>,
    events: broadcast::Sender<ManagerEvent>,
    document: watch::Receiver<delta::Published>,
}

impl ManagerApi for ManagerHandle {
    type Error = ApiError;

    fn call(
        &self,
        request: Request,
    ) -> impl std::future::Future<Output = Result<Response, ApiError>> + Send {
        ManagerHandle::call(self, request)
    }
}

impl ManagerHandle {
    /// Sends a request and waits for its answer. `status` is served from the published
    /// document, without a round trip through the actor.
    pub async fn call(&self, request: Request) -> Result<Response, ApiError> {
        match request {
            Request::Status => return Ok(Response::Status(self.published().await.document)),
            Request::StatusChanges { since } => {
                let published = self.published().await;
                return Ok(Response::StatusChanges(Box::new(delta::delta(
                    &published, since,
                ))));
            }
            _ => {}
        }
        let (reply, answer) = oneshot::channel();
        let stopped = || {
            ApiError::new(
                crate::model::ErrorKind::CallerConnectionNotAccepted,
                "the manager has stopped",
            )
        };
        self.calls
            .send((request, reply))
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// The published document, once the manager has published its first (after restoring
    /// its state at start).
    async fn published(&self) -> delta::Published {
        let mut document = self.document.clone();
        match document.wait_for(|p| p.document.generated_at_ms != 0).await {
            Ok(published) => published.clone(),
            Err(_) => self.document.borrow().clone(),
        }
    }

    /// The published status document, shared.
    pub fn status_shared(&self) -> Arc<StatusDocument> {
        self.document.borrow().document.clone()
    }

    /// What building the status document's publications has taken since the manager started.
    pub fn publish_effort(&self) -> delta::PublishEffort {
        self.document.borrow().effort
    }

    /// Events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<ManagerEvent> {
        self.events.subscribe()
    }

    /// `ensureLocalAvailability`: asks for the pack and waits until it is installed (its view)
    /// or fails (its error).
    pub async fn ensure_installed(&self, app: &str, pack: &str) -> Result<PackView, ApiError> {
        let mut events = self.subscribe();
        let mut document = self.document.clone();
        self.call(Request::Ensure {
            app: app.into(),
            pack: pack.into(),
            require_latest: true,
        })
        .await?;
        loop {
            let published = self.status_shared();
            let view = published
                .pack(app, pack)
                .ok_or_else(|| ApiError::pack_not_found(app, pack))?;
            if view.flags.up_to_date && !view.activity.is_in_progress() {
                return Ok(view.clone());
            }
            if let crate::model::Activity::Failed { error } = &view.activity {
                return Err(ApiError::new(error.kind, error.message.clone()));
            }
            document.mark_unchanged();
            loop {
                let event = tokio::select! {
                    event = events.recv() => event,
                    changed = document.changed() => match changed {
                        Ok(()) => break,
                        Err(_) => Err(broadcast::error::RecvError::Closed),
                    },
                };
                match event {
                    Ok(event) if event.app == app && event.pack.as_deref() == Some(pack) => break,
                    Ok(event)
                        if matches!(event.kind, ManagerEventKind::Unregistered)
                            && event.app == app =>
                    {
                        break;
                    }
                    Ok(_) => continue,
                    Err(broadcast::error::RecvError::Lagged(_)) => break,
                    Err(broadcast::error::RecvError::Closed) => {
                        return Err(ApiError::new(
                            crate::model::ErrorKind::CallerConnectionNotAccepted,
                            "the manager has stopped",
                        ));
                    }
                }
            }
        }
    }
}

/// A running manager.
pub struct Manager {
    handle: ManagerHandle,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<()>,
    _lock: std::fs::File,
}

impl Manager {
    /// Starts a manager on the current tokio runtime: takes the data dir's lock, restores the
    /// saved state and the engine's queue, and begins checking manifests and watched folders.
    pub async fn start(config: ManagerConfig) -> Result<Self, ManagerError> {
        let paths = config.paths.clone();
        for dir in [
            paths.config_dir().to_path_buf(),
            paths.apps_dir(),
            paths.containers_dir(),
            paths.downloads_dir(),
            paths.manifests_dir(),
        ] {
            std::fs::create_dir_all(&dir).map_err(|source| ManagerError::Io {
                path: dir.clone(),
                source,
            })?;
        }
        let lock = lock_data_dir(&paths)?;
        let settings = settings::Settings::load(&paths.settings_file());
        let engine = Engine::start(EngineConfig {
            state_file: Some(paths.downloads_file()),
            limits: settings.limits,
            retry: config.retry.clone(),
            extra_root_certificates: config.extra_root_certificates.clone(),
            max_redirects: None,
            insecure_hosts: config.insecure_hosts.clone(),
            max_body: None,
            hold_restored: false,
            segments: Default::default(),
        })?;
        let (calls, call_receiver) = mpsc::channel(4096);
        let (events, _) = broadcast::channel(4096);
        let (published, document) = watch::channel(delta::Published::empty(settings.limits));
        let shutdown = CancellationToken::new();
        let actor = actor::Actor::new(config, settings, engine, events.clone(), published)?;
        let task = tokio::spawn(actor.run(call_receiver, shutdown.clone()));
        Ok(Self {
            handle: ManagerHandle {
                calls,
                events,
                document,
            },
            shutdown,
            task,
            _lock: lock,
        })
    }

    /// A handle to ask the manager and watch it.
    pub fn handle(&self) -> ManagerHandle {
        self.handle.clone()
    }

    /// Stops downloads (keeping partial files), saves everything and waits.
    pub async fn shutdown(self) {
        self.shutdown.cancel();
        let _ = self.task.await;
        let _ = tokio::task::spawn_blocking(crate::install::wait_retired).await;
    }
}

/// Takes the data dir's lock, or says another manager holds it.
fn lock_data_dir(paths: &Paths) -> Result<std::fs::File, ManagerError> {
    let path = paths.lock_file();
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| ManagerError::Io {
            path: path.clone(),
            source,
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(ManagerError::AlreadyRunning {
            data_dir: path.parent().map(PathBuf::from).unwrap_or_default(),
        }),
        Err(std::fs::TryLockError::Error(source)) => Err(ManagerError::Io { path, source }),
    }
}
