//! Answering requests: the one match from [`Request`] to the verb that serves it, each verb a
//! function with a typed result, wrapped here in the [`Response`] variant of its verb. Reads
//! come from the maintained views. Part of the actor.

use std::path::PathBuf;

use super::actor::{Actor, AfterFetch, Reply};
use super::api::{ApiError, LimitsPatch, Request, Response};
use super::downloads::Scheduler;
use super::event::ManagerEventKind;
use super::snapshot::Sources;
use super::state::PackRecord;
use super::view::{AppView, PackView};
use crate::engine::Limits;
use crate::model::{ErrorKind, PackId};

impl Actor {
    /// Serves requests that arrived together, in order; a run of plain `ensure`s among them
    /// is served together ([`Actor::ensure_many`]: one re-plan per app).
    pub(super) async fn answer_all(&mut self, calls: Vec<(Request, Reply)>) {
        let mut ensures = Vec::new();
        for (request, reply) in calls {
            let Some((request, reply)) = self.exclusive_gate(request, reply) else {
                continue;
            };
            match request {
                Request::Ensure {
                    app,
                    pack,
                    require_latest: false,
                } => ensures.push((app, pack, reply)),
                other => {
                    self.ensure_together(std::mem::take(&mut ensures)).await;
                    self.proceed(other, reply).await;
                }
            }
        }
        self.ensure_together(ensures).await;
    }

    async fn ensure_together(&mut self, ensures: Vec<(String, String, Reply)>) {
        if ensures.is_empty() {
            return;
        }
        let (asked, replies): (Vec<_>, Vec<_>) = ensures
            .into_iter()
            .map(|(app, pack, reply)| ((app, pack), reply))
            .unzip();
        let views = self.ensure_many(asked).await;
        for (reply, view) in replies.into_iter().zip(views) {
            self.reply_later(reply, view.map(|v| Response::Ensure(Box::new(v))));
        }
    }

    /// Serves `request` now that exclusive control lets it through.
    pub(super) async fn proceed(&mut self, request: Request, reply: Reply) {
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
        if let Request::Ensure {
            app,
            pack,
            require_latest: true,
        } = request
        {
            // `requireLatest`: the manifest is read again first.
            if self.state.apps.contains_key(&app) {
                self.start_update_check(
                    Some(app.clone()),
                    Some(AfterFetch::Ensure(app, pack, reply)),
                );
            } else {
                let _ = reply.send(Err(ApiError::app_not_found(&app)));
            }
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
        self.reply_later(reply, result);
    }

    /// Serves one request (`register`, `checkUpdates` and `ensure` with `requireLatest` wait
    /// for a manifest and are answered in `actor.rs`).
    pub async fn handle(&mut self, request: Request) -> Result<Response, ApiError> {
        let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        Ok(match request {
            Request::Status => {
                self.publish();
                Response::Status(self.published_document())
            }
            Request::StatusChanges { since } => {
                self.publish();
                Response::StatusChanges(Box::new(self.published_delta(since)))
            }
            Request::AllAssetPacks { app } => Response::AllAssetPacks(
                self.app_view(&app)?
                    .packs
                    .into_iter()
                    .map(std::sync::Arc::unwrap_or_clone)
                    .collect(),
            ),
            Request::AssetPack { app, pack } => {
                Response::AssetPack(Box::new(self.pack_view(&app, &pack)?))
            }
            Request::Register { .. } | Request::CheckUpdates { .. } => {
                return Err(ApiError::new(
                    ErrorKind::Io,
                    "the manager answers this request after reading manifests",
                ));
            }
            Request::Unregister { app } => Response::Unregister(self.unregister(&app).await?),
            Request::Ensure { app, pack, .. } => {
                Response::Ensure(Box::new(self.ensure(&app, &pack).await?))
            }
            Request::Pause { selection } => Response::Pause(count(self.pause(&selection).await?)),
            Request::Resume { selection } => {
                Response::Resume(count(self.resume(&selection).await?))
            }
            Request::Prioritize { app, pack, to } => {
                self.prioritize(&app, &pack, to).await?;
                Response::Prioritize
            }
            Request::Remove { app, pack } => Response::Remove(self.remove(&app, &pack).await?),
            Request::SetLimits { limits } => Response::SetLimits(self.set_limits(limits).await?),
            Request::SetLanguages { languages } => {
                Response::SetLanguages(self.set_languages(languages).await)
            }
            Request::FilePath { app, pack, path } => {
                Response::FilePath(self.file_path(&app, &pack, &path)?)
            }
            Request::RegisterExtension { connection } => {
                Response::RegisterExtension(self.register_extension(connection)?)
            }
            Request::ExtensionAnswer { id, .. } => {
                return Err(ApiError::new(
                    crate::ipc::protocol::INVALID_REQUEST,
                    format!(
                        "`extensionAnswer` {id} goes to the socket connection that received the                          request, not to the manager"
                    ),
                ));
            }
            Request::ScheduleDownload { app, download, .. } => {
                Response::ScheduleDownload(Box::new(
                    self.schedule_app_download(&app, *download, Scheduler::App)
                        .await?,
                ))
            }
            Request::CurrentDownloads { app } => {
                Response::CurrentDownloads(self.current_downloads(&app)?)
            }
            Request::CancelDownload {
                app, identifier, ..
            } => {
                self.cancel_app_download(&app, &identifier).await?;
                Response::CancelDownload
            }
            Request::StartForegroundDownload { app, download, .. } => {
                Response::StartForegroundDownload(Box::new(
                    self.start_foreground_download(&app, *download).await?,
                ))
            }
            Request::AcquireExclusiveControl { .. } | Request::ReleaseExclusiveControl { .. } => {
                return Err(ApiError::new(
                    ErrorKind::Io,
                    "the manager answers exclusive control through its lease keeper",
                ));
            }
        })
    }

    /// The view of `app`.
    pub fn app_view(&mut self, app: &str) -> Result<AppView, ApiError> {
        let sources = Sources {
            state: &self.state,
            paths: &self.paths,
            launches: &self.launches,
            limits: self.settings.limits,
            languages: &self.languages,
        };
        self.views
            .app(&sources, app)
            .ok_or_else(|| ApiError::app_not_found(app))
    }

    /// The view of `pack` of `app`.
    pub fn pack_view(&mut self, app: &str, pack: &str) -> Result<PackView, ApiError> {
        self.known_pack(app, pack)?;
        let sources = Sources {
            state: &self.state,
            paths: &self.paths,
            launches: &self.launches,
            limits: self.settings.limits,
            languages: &self.languages,
        };
        self.views
            .pack(&sources, app, pack)
            .ok_or_else(|| ApiError::pack_not_found(app, pack))
    }

    async fn set_limits(&mut self, patch: LimitsPatch) -> Result<Limits, ApiError> {
        self.settings.limits = patch.apply(self.settings.limits);
        self.downloads
            .set_limits(self.settings.limits)
            .await
            .map_err(|e| ApiError::new(e.kind(), e.to_string()))?;
        self.patch_limiter
            .set_rate(self.settings.limits.bytes_per_second);
        self.settings.save(&self.paths.settings_file());
        self.views.all_changed(&self.state);
        self.emit("", None, ManagerEventKind::Changed);
        Ok(self.settings.limits)
    }

    async fn set_languages(&mut self, languages: Vec<String>) -> Vec<String> {
        self.settings.languages = languages.clone();
        self.languages = if languages.is_empty() {
            super::languages::from_environment()
        } else {
            languages
        };
        self.settings.save(&self.paths.settings_file());
        self.views.all_changed(&self.state);
        let apps: Vec<String> = self.state.apps.keys().cloned().collect();
        for app in apps {
            self.replan(&app, None).await;
        }
        self.emit("", None, ManagerEventKind::Changed);
        self.languages.clone()
    }

    fn file_path(&self, app: &str, pack: &str, path: &str) -> Result<PathBuf, ApiError> {
        let (container, folder) = self.pack_location(app, pack)?;
        crate::install::resolve(&container, &folder, path).map_err(|e| match e.kind() {
            ErrorKind::FileNotFound => ApiError::new(
                ErrorKind::FileNotFound,
                format!("file `{path}` not found in asset pack `{pack}`"),
            ),
            kind => ApiError::new(kind, e.to_string()),
        })
    }

    /// The app's container and the pack's folder in it.
    pub fn pack_location(&self, app: &str, pack: &str) -> Result<(PathBuf, String), ApiError> {
        let record = self
            .state
            .apps
            .get(app)
            .ok_or_else(|| ApiError::app_not_found(app))?;
        let id = PackId::parse(pack).map_err(|_| ApiError::pack_not_found(app, pack))?;
        if !record.packs.contains_key(pack) {
            return Err(ApiError::pack_not_found(app, pack));
        }
        Ok((
            self.paths.container(record.app.container_name()),
            id.folder_name(),
        ))
    }

    /// The pack's record, or `assetPackNotFound`.
    pub fn known_pack(&self, app: &str, pack: &str) -> Result<&PackRecord, ApiError> {
        self.state
            .apps
            .get(app)
            .ok_or_else(|| ApiError::app_not_found(app))?
            .packs
            .get(pack)
            .ok_or_else(|| ApiError::pack_not_found(app, pack))
    }

    /// The pack's record if the manifest lists it, or `assetPackNotFound`.
    pub(super) fn listed_pack(&self, app: &str, pack: &str) -> Result<&PackRecord, ApiError> {
        self.known_pack(app, pack)
            .ok()
            .filter(|p| p.observed.listed.is_some())
            .ok_or_else(|| ApiError::pack_not_found(app, pack))
    }
}
