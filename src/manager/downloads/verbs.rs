//! The verbs of apps' own downloads: schedule (by the app, or by the lead's extension wiring
//! through [`Actor::schedule_app_download`]), list, cancel, and move to the foreground. Each
//! checks the rules ([`super::rules`]), changes the saved record, tells the engine, and says
//! so with a `downloadStatus` event. Part of the actor.

use super::{AppDownloadRecord, AppDownloadState, AppDownloadView, Scheduler};
use crate::engine::{self, Priority};
use crate::manager::actor::Actor;
use crate::manager::api::ApiError;
use crate::manager::key::AppDownloadKey;
use crate::manager::state::now_ms;
use crate::model::{DownloadSpec, ErrorKind, PackError};

fn not_found(app: &str, identifier: &str) -> ApiError {
    ApiError::new(
        ErrorKind::DownloadDoesNotExist,
        format!("`{app}` has no download `{}`", identifier.escape_debug()),
    )
}

fn engine_error(error: engine::EngineError) -> ApiError {
    ApiError::new(error.kind(), error.to_string())
}

impl Actor {
    /// Schedules `spec` for `app`, asked for by `by` (the app over the socket, or its
    /// extension answering a content request): the rules are checked, the download is saved
    /// with the app and handed to the engine. Its view, waiting.
    pub async fn schedule_app_download(
        &mut self,
        app: &str,
        spec: DownloadSpec,
        by: Scheduler,
    ) -> Result<AppDownloadView, ApiError> {
        self.schedule(app, spec, by, false).await
    }

    async fn schedule(
        &mut self,
        app: &str,
        spec: DownloadSpec,
        by: Scheduler,
        foreground: bool,
    ) -> Result<AppDownloadView, ApiError> {
        let record = self
            .state
            .apps
            .get(app)
            .ok_or_else(|| ApiError::app_not_found(app))?;
        super::rules::check_new(record, &spec, by, &self.config.insecure_hosts)?;
        let key = AppDownloadKey::new(app, spec.identifier.clone());
        let old = record.downloads.get(spec.identifier.as_str());
        let placed = old.and_then(|old| old.placed.clone());
        let placed_id = old.and_then(|old| old.placed_id);
        let reserved = super::rules::reservation(record, &spec);
        let mut download = AppDownloadRecord::new(spec, by, now_ms());
        download.reserved = reserved;
        download.placed = placed;
        download.placed_id = placed_id;
        download.foreground = foreground;
        let request = self
            .app_download_request(app, &download)
            .ok_or_else(|| ApiError::app_not_found(app))?;
        // An earlier download of this identifier that is over leaves the engine first.
        let _ = self.downloads.forget(engine::Targets::one(key.id())).await;
        self.downloads
            .enqueue(request)
            .await
            .map_err(engine_error)?;
        let paused = self.app_downloads_paused(app);
        if paused {
            // Scheduled while a person has paused the app (or everything): it waits for the
            // resume, like the app's packs.
            let _ = self.downloads.pause(engine::Targets::one(key.id())).await;
        }
        let view = download.view(app, paused);
        let identifier = download.spec.identifier.to_string();
        if let Some(record) = self.state.apps.get_mut(app) {
            record.downloads.insert(identifier.clone(), download);
        }
        self.dirty = true;
        self.app_downloads_changed(app, &identifier);
        if view.essential {
            self.replan(app, None).await; // launch readiness now waits for it
        }
        Ok(view)
    }

    /// The app's downloads, by identifier.
    pub fn current_downloads(&self, app: &str) -> Result<Vec<AppDownloadView>, ApiError> {
        let record = self
            .state
            .apps
            .get(app)
            .ok_or_else(|| ApiError::app_not_found(app))?;
        let paused = super::is_paused(&self.state, record);
        Ok(record
            .downloads
            .values()
            .map(|d| d.view(app, paused))
            .collect())
    }

    /// Cancels and forgets download `identifier` of `app`: the engine stops it and deletes its
    /// partial file; a finished one's file stays in the container (it is the app's now).
    pub async fn cancel_app_download(
        &mut self,
        app: &str,
        identifier: &str,
    ) -> Result<(), ApiError> {
        let record = self
            .state
            .apps
            .get_mut(app)
            .ok_or_else(|| ApiError::app_not_found(app))?;
        let download = record
            .downloads
            .remove(identifier)
            .ok_or_else(|| not_found(app, identifier))?;
        let key = AppDownloadKey::new(app, download.spec.identifier.clone());
        let targets = || engine::Targets::one(key.id());
        self.downloads
            .cancel(targets())
            .await
            .map_err(engine_error)?;
        let _ = self.downloads.forget(targets()).await;
        self.dirty = true;
        self.views.downloads_changed(app);
        if !download.state.is_over() {
            let error = PackError::new(
                ErrorKind::Cancelled,
                format!(
                    "download `{identifier}` of `{app}` was cancelled; its partial file is deleted"
                ),
            );
            self.emit_download_status(app, identifier, &AppDownloadState::Failed { error }, None);
        }
        if download.spec.essential {
            self.replan(app, None).await;
        }
        Ok(())
    }

    /// Schedules `spec` if `app` has no live download of that identifier, then moves it to the
    /// foreground band: it runs before background work and may take a background download's
    /// slot. A finished one is left as it is.
    pub async fn start_foreground_download(
        &mut self,
        app: &str,
        spec: DownloadSpec,
    ) -> Result<AppDownloadView, ApiError> {
        let record = self
            .state
            .apps
            .get(app)
            .ok_or_else(|| ApiError::app_not_found(app))?;
        let identifier = spec.identifier.to_string();
        let paused = super::is_paused(&self.state, record);
        let live = record
            .downloads
            .get(&identifier)
            .filter(|d| !matches!(d.state, AppDownloadState::Failed { .. }));
        match live {
            None => self.schedule(app, spec, Scheduler::App, true).await,
            Some(d) if d.state.is_over() => Ok(d.view(app, paused)),
            Some(d) => {
                let key = AppDownloadKey::new(app, d.spec.identifier.clone());
                self.downloads
                    .set_priority(&key.id(), Priority::FOREGROUND)
                    .await
                    .map_err(engine_error)?;
                let download = self
                    .state
                    .apps
                    .get_mut(app)
                    .and_then(|r| r.downloads.get_mut(&identifier))
                    .ok_or_else(|| not_found(app, &identifier))?;
                download.foreground = true;
                let view = download.view(app, paused);
                self.dirty = true;
                self.views.downloads_changed(app);
                Ok(view)
            }
        }
    }

    /// Whether a person's pause holds `app`'s own downloads.
    fn app_downloads_paused(&self, app: &str) -> bool {
        self.state
            .apps
            .get(app)
            .is_some_and(|record| super::is_paused(&self.state, record))
    }

    /// After a person paused or resumed `apps` (or everything): their own live downloads
    /// follow, in the engine. How many changed.
    pub(in crate::manager) async fn follow_app_pauses(&mut self, apps: &[String]) -> usize {
        let mut changed = 0;
        for app in apps {
            let paused = self.app_downloads_paused(app);
            let ids: Vec<String> = self
                .state
                .apps
                .get(app)
                .map(|r| {
                    r.downloads
                        .values()
                        .filter(|d| !d.state.is_over())
                        .map(|d| AppDownloadKey::new(app, d.spec.identifier.clone()).id())
                        .collect()
                })
                .unwrap_or_default();
            if ids.is_empty() {
                continue;
            }
            let targets = engine::Targets::Ids(ids);
            let result = if paused {
                self.downloads.pause(targets).await
            } else {
                self.downloads.resume(targets).await
            };
            changed += result.unwrap_or(0);
            self.views.downloads_changed(app);
        }
        changed
    }

    /// Marks `app`'s downloads changed and tells observers where download `identifier` is now.
    pub(in crate::manager) fn app_downloads_changed(&mut self, app: &str, identifier: &str) {
        self.views.downloads_changed(app);
        let Some(download) = self.app_download(app, identifier) else {
            return;
        };
        let (state, progress) = (download.state.clone(), download.progress);
        self.emit_download_status(app, identifier, &state, progress);
    }

    fn emit_download_status(
        &mut self,
        app: &str,
        identifier: &str,
        state: &AppDownloadState,
        progress: Option<crate::model::Progress>,
    ) {
        let (path, error) = match state {
            AppDownloadState::Finished { path } => (Some(path.clone()), None),
            AppDownloadState::Failed { error } => (None, Some(error.clone())),
            _ => (None, None),
        };
        let kind = crate::manager::event::ManagerEventKind::DownloadStatus {
            identifier: identifier.to_string(),
            state: state.name().to_string(),
            progress: progress.filter(|_| !state.is_over()),
            path,
            error,
        };
        self.emit(app, None, kind);
    }
}
