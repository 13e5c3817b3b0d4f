//! The manager's one owner of state: a task that answers requests, follows the engine's events,
//! takes the results of background work (manifest fetches, installs) and saves the state. What
//! it does to packs is in `packs.rs`; how it shows them in `views.rs`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::{broadcast, mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::api::{ApiError, Request, Response, Updates};
use super::event::{ManagerEvent, ManagerEventKind};
use super::fetch::Fetched;
use super::settings::Settings;
use super::state::{self, ManagerState, now_ms};
use super::{ManagerConfig, ManagerError};
use crate::engine::{Engine, EngineHandle};
use crate::model::{ErrorKind, PackError};
use crate::store::Paths;
use crate::store::saver::Saver;

/// A reply channel for a request.
pub(super) type Reply = oneshot::Sender<Result<Response, ApiError>>;

/// Who waits for a manifest check, and what they are told.
pub(super) enum AfterFetch {
    /// A `checkUpdates`: the packs updating and removed.
    Updates(Reply),
    /// A `register`: the app's view, with its packs.
    App(String, Reply),
}

/// Work done off the actor that reports back to it.
pub(super) enum Internal {
    /// Manifests fetched; `reply` answers whoever waits for them.
    Manifests {
        results: Vec<(String, Result<Fetched, PackError>)>,
        reply: Option<AfterFetch>,
    },
    /// An install finished.
    Installed {
        app: String,
        pack: String,
        version: u64,
        archive: std::path::PathBuf,
        result: Result<crate::install::Installed, PackError>,
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
    saver: Option<Saver>,
    pub dirty: bool,
}

impl Actor {
    pub fn new(
        config: ManagerConfig,
        settings: Settings,
        engine: Engine,
        events: broadcast::Sender<ManagerEvent>,
    ) -> Result<Self, ManagerError> {
        let paths = config.paths.clone();
        let client = manifest_client(&config)?;
        let languages = if settings.languages.is_empty() {
            super::languages::from_environment()
        } else {
            settings.languages.clone()
        };
        let (internal, internal_receiver) = mpsc::channel(64);
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
            dirty: false,
        })
    }

    pub async fn run(
        mut self,
        mut calls: mpsc::Receiver<super::Call>,
        shutdown: CancellationToken,
    ) {
        let Some(mut internal) = self.internal_receiver.take() else {
            return;
        };
        let mut engine_events = self.downloads.subscribe();
        super::leftovers::sweep(&self.paths, &self.downloads, &self.state).await;
        self.restore().await;
        self.scan_watched_folders().await;
        self.start_update_check(None, None);
        let update_every = self.config.update_interval.unwrap_or(Duration::from_secs(
            self.settings.update_interval_seconds.max(60),
        ));
        let start = tokio::time::Instant::now();
        let mut updates = tokio::time::interval_at(start + update_every, update_every);
        let scan_every = self.config.watch_interval.max(Duration::from_millis(100));
        let mut scans = tokio::time::interval_at(start + scan_every, scan_every);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                Some((request, reply)) = calls.recv() => self.answer(request, reply).await,
                event = engine_events.recv() => match event {
                    Ok(event) => self.on_download_event(event).await,
                    Err(broadcast::error::RecvError::Lagged(_)) => self.resync_activity().await,
                    Err(broadcast::error::RecvError::Closed) => break,
                },
                Some(work) = internal.recv() => self.on_internal(work).await,
                _ = updates.tick() => self.start_update_check(None, None),
                _ = scans.tick() => self.scan_watched_folders().await,
            }
            self.save_if_dirty();
        }
        self.save_if_dirty();
        if let Some(saver) = self.saver.take() {
            saver.finish().await;
        }
        if let Some(engine) = self.engine.take() {
            engine.shutdown().await;
        }
    }

    /// Sends an event to every observer.
    pub fn emit(&self, app: &str, pack: Option<&str>, kind: ManagerEventKind) {
        let _ = self.events.send(ManagerEvent {
            at_ms: now_ms(),
            app: app.to_string(),
            pack: pack.map(str::to_string),
            kind,
        });
    }

    fn save_if_dirty(&mut self) {
        if !std::mem::take(&mut self.dirty) {
            return;
        }
        if let (Some(saver), Ok(text)) = (&self.saver, serde_json::to_string_pretty(&self.state)) {
            saver.save(text);
        }
    }

    async fn answer(&mut self, request: Request, reply: Reply) {
        if let Request::CheckUpdates { app } = request {
            if let Some(app) = &app
                && !self.state.apps.contains_key(app)
            {
                let _ = reply.send(Err(ApiError::app_not_found(app)));
                return;
            }
            self.start_update_check(app, Some(AfterFetch::Updates(reply)));
            return;
        }
        if let Request::Register { path } = request {
            // The answer waits for the manifest, so it lists the app's packs.
            match self.register(&path).await {
                Ok(app) => {
                    self.start_update_check(Some(app.clone()), Some(AfterFetch::App(app, reply)))
                }
                Err(error) => {
                    let _ = reply.send(Err(error));
                }
            }
            return;
        }
        let result = self.handle(request).await;
        let _ = reply.send(result);
    }

    async fn handle(&mut self, request: Request) -> Result<Response, ApiError> {
        match request {
            Request::Status => Ok(self.document().await.into()),
            Request::AllAssetPacks { app } => {
                let document = self.document().await;
                let view = document
                    .apps
                    .into_iter()
                    .find(|view| view.bundle_id == app)
                    .ok_or_else(|| ApiError::app_not_found(&app))?;
                Ok(view.packs.into())
            }
            Request::AssetPack { app, pack } => Ok(Response::AssetPack(Box::new(
                self.pack_view(&app, &pack).await?,
            ))),
            // Answered in `answer`, once the manifest is read.
            Request::Register { .. } | Request::CheckUpdates { .. } => Err(ApiError::new(
                ErrorKind::Io,
                "the manager answers this request after reading manifests",
            )),
            Request::Unregister { app } => Ok(Response::Unregister(self.unregister(&app).await?)),
            Request::Ensure {
                app,
                pack,
                require_latest,
            } => {
                self.ensure(&app, &pack, require_latest).await?;
                Ok(Response::Ensure(Box::new(
                    self.pack_view(&app, &pack).await?,
                )))
            }
            Request::Pause { selection } => {
                Ok(Response::Pause(count(self.pause(&selection).await?)))
            }
            Request::Resume { selection } => {
                Ok(Response::Resume(count(self.resume(&selection).await?)))
            }
            Request::Prioritize { app, pack, to } => {
                self.prioritize(&app, &pack, to).await?;
                Ok(Response::Prioritize)
            }
            Request::Remove { app, pack } => {
                Ok(Response::Remove(self.remove(&app, &pack, true).await?))
            }
            Request::SetLimits { limits } => {
                self.settings.limits = limits.apply(self.settings.limits);
                self.downloads
                    .set_limits(self.settings.limits)
                    .await
                    .map_err(|e| ApiError::new(e.kind(), e.to_string()))?;
                self.settings.save(&self.paths.settings_file());
                self.emit("", None, ManagerEventKind::Changed);
                Ok(self.settings.limits.into())
            }
            Request::SetLanguages { languages } => {
                self.settings.languages = languages.clone();
                self.languages = if languages.is_empty() {
                    super::languages::from_environment()
                } else {
                    languages
                };
                self.settings.save(&self.paths.settings_file());
                let apps: Vec<String> = self.state.apps.keys().cloned().collect();
                for app in apps {
                    self.reconcile(&app).await;
                }
                self.emit("", None, ManagerEventKind::Changed);
                Ok(Response::SetLanguages(self.languages.clone()))
            }
            Request::FilePath { app, pack, path } => {
                let (container, folder) = self.pack_location(&app, &pack)?;
                let resolved =
                    crate::install::resolve(&container, &folder, &path).map_err(|e| {
                        match e.kind() {
                            ErrorKind::FileNotFound => ApiError::new(
                                ErrorKind::FileNotFound,
                                format!("file `{path}` not found in asset pack `{pack}`"),
                            ),
                            kind => ApiError::new(kind, e.to_string()),
                        }
                    })?;
                Ok(Response::FilePath(resolved))
            }
        }
    }

    /// One pack's view, or `assetPackNotFound`.
    async fn pack_view(&self, app: &str, pack: &str) -> Result<super::view::PackView, ApiError> {
        let document = self.document().await;
        document
            .pack(app, pack)
            .cloned()
            .ok_or_else(|| ApiError::pack_not_found(app, pack))
    }

    /// Fetches manifests (all apps, or one) in the background; `reply` gets the result.
    pub fn start_update_check(&mut self, app: Option<String>, reply: Option<AfterFetch>) {
        let targets: Vec<(String, crate::model::App, Option<String>, PathBuf)> = self
            .state
            .apps
            .iter()
            .filter(|(id, _)| app.as_ref().is_none_or(|a| a == *id))
            .map(|(id, record)| {
                let cache = self.paths.manifest_cache(&record.app.bundle_id);
                let etag = record.manifest_etag.clone();
                (id.clone(), record.app.clone(), etag, cache)
            })
            .collect();
        let client = self.client.clone();
        let internal = self.internal.clone();
        let insecure = self.config.insecure_hosts.clone();
        tokio::spawn(async move {
            let mut results = Vec::new();
            for (id, app, etag, cache) in targets {
                let result =
                    super::fetch::fetch(&client, &app, etag.as_deref(), &cache, &insecure).await;
                results.push((id, result));
            }
            let _ = internal.send(Internal::Manifests { results, reply }).await;
        });
    }

    async fn on_internal(&mut self, work: Internal) {
        match work {
            Internal::Manifests { results, reply } => {
                let mut updating = Vec::new();
                let mut removed = Vec::new();
                for (app, result) in results {
                    let (u, r) = self.apply_manifest(&app, result).await;
                    updating.extend(u);
                    removed.extend(r);
                }
                match reply {
                    Some(AfterFetch::Updates(reply)) => {
                        let _ = reply.send(Ok(Updates { updating, removed }.into()));
                    }
                    Some(AfterFetch::App(app, reply)) => {
                        let document = self.document().await;
                        let view = document
                            .apps
                            .into_iter()
                            .find(|view| view.bundle_id == app)
                            .map(Response::from)
                            .ok_or_else(|| ApiError::app_not_found(&app));
                        let _ = reply.send(view);
                    }
                    None => {}
                }
            }
            Internal::Installed {
                app,
                pack,
                version,
                archive,
                result,
            } => match result {
                Err(error) if super::space::waits_for_space(&error) => {
                    self.wait_for_space(&app, &pack, version, error).await
                }
                result => {
                    self.finish_install(&app, &pack, version, &archive, result)
                        .await
                }
            },
            Internal::SpaceFreed { app, pack, version } => {
                self.on_space_freed(&app, &pack, version).await
            }
        }
    }

    /// Registers apps found in watched folders (new ones, and ones whose version changed).
    async fn scan_watched_folders(&mut self) {
        let mut folders = vec![self.paths.apps_dir()];
        folders.extend(self.settings.watched_folders.iter().cloned());
        let known: BTreeMap<std::path::PathBuf, String> = self
            .state
            .apps
            .values()
            .map(|r| (r.source.clone(), r.app.bundle_version.clone()))
            .collect();
        for folder in folders {
            for path in super::registry::scan(&folder) {
                let Ok((app, plist, _)) = super::registry::read_app(&path) else {
                    continue;
                };
                if known.get(&plist) == Some(&app.bundle_version) {
                    continue;
                }
                match self.register(&path).await {
                    Ok(app) => self.start_update_check(Some(app), None),
                    Err(error) => tracing::warn!(
                        "cannot register {} from a watched folder: {error}",
                        path.display()
                    ),
                }
            }
        }
    }
}

/// A count of packs, as the protocol carries it.
fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// The HTTP client for manifests: redirects followed by hand (each host checked).
fn manifest_client(config: &ManagerConfig) -> Result<reqwest::Client, ManagerError> {
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("bgassets/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(config.retry.connect_timeout);
    for path in &config.extra_root_certificates {
        let pem = std::fs::read(path).map_err(|source| ManagerError::Io {
            path: path.clone(),
            source,
        })?;
        let certificate = reqwest::Certificate::from_pem(&pem).map_err(|e| ManagerError::Io {
            path: path.clone(),
            source: std::io::Error::other(e),
        })?;
        builder = builder.add_root_certificate(certificate);
    }
    builder.build().map_err(|e| ManagerError::Io {
        path: config.paths.config_dir().to_path_buf(),
        source: std::io::Error::other(e),
    })
}
