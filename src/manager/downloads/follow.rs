//! Following the engine for apps' own downloads (`download:APP/IDENTIFIER` keys): each event
//! moves the saved record's state (Apple's waiting, downloading, finished, failed) and is told
//! as a `downloadStatus` event; a verified file is moved into the app's container. After a
//! restart the records meet the engine's queue again: what the engine still has continues
//! (a partial file resumes with `Range`), what it lost is handed to it again, and what it has
//! that no record wants is cancelled. Part of the actor.

use std::path::PathBuf;

use super::{AppDownloadRecord, AppDownloadState};
use crate::engine::{self, DownloadRequest, EventKind, PauseReason, Priority};
use crate::manager::actor::Actor;
use crate::manager::key::AppDownloadKey;
use crate::manager::plan::shown;
use crate::model::{ErrorKind, PackError};

impl Actor {
    /// The engine's request for `download` of `app` (also after a restart, when the engine
    /// lost it): `downloads/<app folder>/download-IDENTIFIER`.
    pub(in crate::manager) fn app_download_request(
        &self,
        app: &str,
        download: &AppDownloadRecord,
    ) -> Option<DownloadRequest> {
        let record = self.state.apps.get(app)?;
        let spec = &download.spec;
        Some(DownloadRequest {
            id: AppDownloadKey::new(app, spec.identifier.clone()).id(),
            url: spec.url.clone(),
            mirrors: Vec::new(),
            destination: self.app_download_file(app, spec.identifier.as_str())?,
            expected_size: spec.expected_size,
            max_size: download.reserved,
            sha256: spec.sha256,
            priority: if download.foreground {
                Priority::FOREGROUND
            } else {
                Priority(spec.priority)
            },
            essential: spec.essential,
            allowed_hosts: record.app.restrictions.domain_allow_list.clone(),
            headers: spec.headers.clone(),
        })
    }

    /// Where the engine writes download `identifier` of `app`.
    fn app_download_file(&self, app: &str, identifier: &str) -> Option<PathBuf> {
        let record = self.state.apps.get(app)?;
        Some(
            self.paths
                .app_downloads_dir(&record.app.bundle_id)
                .join(format!("download-{identifier}")),
        )
    }

    /// Mirrors one engine event onto the app download it is about.
    pub(in crate::manager) async fn on_app_download_event(
        &mut self,
        key: AppDownloadKey,
        kind: &EventKind,
    ) {
        let (app, id) = (key.app.clone(), key.identifier.to_string());
        let Some(download) = self.app_download_mut(&app, &id) else {
            self.let_go(&key, matches!(kind, EventKind::Finished { .. }))
                .await;
            return;
        };
        if download.state.is_over() {
            return;
        }
        let before = (download.state.clone(), download.detail.clone());
        match kind {
            EventKind::Queued => {
                download.state = AppDownloadState::Waiting;
                download.detail = Some(shown::waiting_for_slot());
            }
            EventKind::Waiting { reason } => {
                download.state = AppDownloadState::Waiting;
                download.detail = Some(shown::waiting(reason));
            }
            EventKind::Paused { reason } => {
                download.state = AppDownloadState::Waiting;
                download.detail = Some(match reason {
                    PauseReason::Requested => "paused".into(),
                    PauseReason::Preempted => {
                        "preempted by a more urgent download; it goes on by itself".into()
                    }
                });
            }
            EventKind::Retrying {
                reason,
                delay_ms,
                without_progress,
                ..
            } => {
                download.state = AppDownloadState::Waiting;
                download.detail =
                    Some(engine::retry::explain(reason, *delay_ms, *without_progress));
            }
            EventKind::Started { .. } | EventKind::Verifying => {
                download.state = AppDownloadState::Downloading;
            }
            EventKind::Progress { progress, .. } => {
                download.state = AppDownloadState::Downloading;
                download.progress = Some(*progress);
                self.dirty |= before.0 != AppDownloadState::Downloading;
                self.app_downloads_changed(&app, &id);
                return;
            }
            EventKind::Kept { bytes_done } => {
                if let Some(progress) = &mut download.progress {
                    progress.bytes_done = *bytes_done;
                }
            }
            EventKind::Finished { .. } => return self.finish_app_download(&key).await,
            EventKind::Failed { error } if error.kind == ErrorKind::DiskFull => {
                // The engine takes it up again once space is freed.
                download.state = AppDownloadState::Waiting;
                download.detail = Some(format!("waiting for disk space: {}", error.message));
            }
            EventKind::Failed { error }
                if super::told::is_auth_challenge(error) && download.auth_error.is_none() =>
            {
                // The app's extension may answer with credentials: tried once more.
                download.auth_error = Some(error.clone());
                download.state = AppDownloadState::Waiting;
                download.detail = Some(format!(
                    "asking the app's extension for credentials: {}",
                    error.message
                ));
                self.dirty = true;
                self.app_downloads_changed(&app, &id);
                if !self.ask_for_credentials(&app, &id, error) {
                    self.fail_app_download(&key, error.clone()).await;
                }
                return;
            }
            EventKind::Failed { error } => {
                return self.fail_app_download(&key, error.clone()).await;
            }
            EventKind::Cancelled | EventKind::Reordered => {}
        }
        if (download.state.clone(), download.detail.clone()) != before {
            self.dirty = true;
            self.app_downloads_changed(&app, &id);
        }
    }

    /// Download `id` of `app`.
    pub(in crate::manager) fn app_download(
        &self,
        app: &str,
        id: &str,
    ) -> Option<&AppDownloadRecord> {
        self.state.apps.get(app)?.downloads.get(id)
    }

    /// Download `id` of `app`, to change.
    pub(in crate::manager) fn app_download_mut(
        &mut self,
        app: &str,
        id: &str,
    ) -> Option<&mut AppDownloadRecord> {
        self.state.apps.get_mut(app)?.downloads.get_mut(id)
    }

    /// The engine has a download no record wants (cancelled, or its app unregistered): it is
    /// cancelled and forgotten, and a finished file of it in the downloads folder deleted.
    pub(super) async fn let_go(&mut self, key: &AppDownloadKey, finished: bool) {
        let targets = || engine::Targets::one(key.id());
        let _ = self.downloads.cancel(targets()).await;
        let _ = self.downloads.forget(targets()).await;
        if finished && let Some(file) = self.app_download_file(&key.app, key.identifier.as_str()) {
            let _ = std::fs::remove_file(file);
        }
    }

    /// The verified file goes to `CONTAINER/Background Downloads/IDENTIFIER`; the engine
    /// forgets the download.
    pub(super) async fn finish_app_download(&mut self, key: &AppDownloadKey) {
        let (app, id) = (key.app.as_str(), key.identifier.as_str());
        let (Some(source), Some(record)) =
            (self.app_download_file(app, id), self.state.apps.get(app))
        else {
            return;
        };
        let container = self.paths.container(record.app.container_name());
        let old = record.downloads.get(id);
        let ours = old.and_then(|d| d.placed.clone());
        let ours_id = old.and_then(|d| d.placed_id);
        let placed = super::place::place(
            &source,
            &container,
            &key.identifier,
            ours.as_deref(),
            ours_id,
        );
        let _ = self.downloads.forget(engine::Targets::one(key.id())).await;
        let state = match placed {
            Ok(path) => {
                if let Some(download) = self.app_download_mut(app, id) {
                    download.placed = Some(path.clone());
                    download.placed_id = super::place::file_id(&path);
                }
                AppDownloadState::Finished { path }
            }
            Err(error) => {
                let _ = std::fs::remove_file(&source);
                AppDownloadState::Failed { error }
            }
        };
        self.end_app_download(key, state).await;
    }

    /// The download failed for good: its partial file is deleted and the engine forgets it.
    pub(super) async fn fail_app_download(&mut self, key: &AppDownloadKey, error: PackError) {
        let targets = || engine::Targets::one(key.id());
        let _ = self.downloads.cancel(targets()).await;
        let _ = self.downloads.forget(targets()).await;
        self.end_app_download(key, AppDownloadState::Failed { error })
            .await;
    }

    pub(super) async fn end_app_download(&mut self, key: &AppDownloadKey, state: AppDownloadState) {
        let (app, id) = (key.app.as_str(), key.identifier.as_str());
        let Some(download) = self.app_download_mut(app, id) else {
            return;
        };
        download.state = state;
        download.progress = None;
        let essential = download.spec.essential;
        self.dirty = true;
        self.app_downloads_changed(app, id);
        self.tell_download_ended(app, id);
        if essential {
            self.replan(app, None).await; // launch readiness may change
        }
    }
}
