//! Registering and unregistering apps. Part of the actor.

use std::path::Path;

use super::actor::Actor;
use super::api::ApiError;
use super::event::ManagerEventKind;
use super::state::AppRecord;
use crate::model::{FolderName, InstallationEvent};

impl Actor {
    /// Registers the app at `path`: a first installation, or a subsequent update when its
    /// `CFBundleVersion` changed. Returns its bundle id; the caller starts the manifest check.
    pub async fn register(&mut self, path: &Path) -> Result<String, ApiError> {
        let (app, plist, icon) = super::registry::read_app(path)?;
        let id = app.bundle_id.to_string();
        self.views.app_changed(&id);
        match self.state.apps.get_mut(&id) {
            Some(record) if record.app.bundle_version == app.bundle_version => {
                record.source = plist;
                record.icon = icon;
                record.app = app;
            }
            Some(record) => {
                tracing::info!(
                    "{id}: updated from {} to {}",
                    record.app.bundle_version,
                    app.bundle_version
                );
                record.event = InstallationEvent::SubsequentUpdate;
                record.app = app;
                record.source = plist;
                record.icon = icon;
                self.dirty = true;
                self.emit(&id, None, ManagerEventKind::Registered);
                self.apply_policies(&id);
                self.replan(&id, None).await;
            }
            None => {
                self.state.apps.insert(
                    id.clone(),
                    AppRecord {
                        app,
                        source: plist,
                        icon,
                        event: InstallationEvent::FirstInstallation,
                        manifest_etag: None,
                        manifest_base: None,
                        last_checked_ms: None,
                        manifest_error: None,
                        paused: None,
                        packs: Default::default(),
                        extension_error: None,
                        content_asked_for: None,
                        downloads: Default::default(),
                    },
                );
                self.dirty = true;
                self.emit(&id, None, ManagerEventKind::Registered);
                self.replan(&id, None).await;
            }
        }
        Ok(id)
    }

    /// Forgets `app`: its installs are stopped (each waited for), its downloads cancelled, its
    /// installed packs removed (unless another app of its App Group has them), then its files.
    /// Returns the bytes freed.
    pub async fn unregister(&mut self, app: &str) -> Result<u64, ApiError> {
        let record = self
            .state
            .apps
            .get(app)
            .ok_or_else(|| ApiError::app_not_found(app))?;
        let container = record.app.container_name().clone();
        let packs: Vec<String> = record.packs.keys().cloned().collect();
        for pack in &packs {
            self.cancel_install(app, pack).await;
        }
        self.freed = 0;
        for pack in &packs {
            let download = self
                .pack_mut(app, pack)
                .and_then(|p| p.live.download.as_ref().map(|m| m.key.clone()));
            if let Some(key) = download {
                self.drop_download(&key).await;
            }
            let installed = self
                .pack_mut(app, pack)
                .is_some_and(|p| p.observed.installed.is_some());
            if installed && !self.installed_by_group_mate(app, &container, pack) {
                self.delete_files(app, pack);
            }
        }
        // The app's own downloads stop with it (their partial files go with its download
        // folder below).
        let ids: Vec<String> = self
            .state
            .apps
            .get(app)
            .map(|r| {
                r.downloads
                    .values()
                    .map(|d| super::key::AppDownloadKey::new(app, d.spec.identifier.clone()).id())
                    .collect()
            })
            .unwrap_or_default();
        if !ids.is_empty() {
            let _ = self
                .downloads
                .cancel(crate::engine::Targets::Ids(ids.clone()))
                .await;
            let _ = self
                .downloads
                .forget(crate::engine::Targets::Ids(ids))
                .await;
        }
        let freed = std::mem::take(&mut self.freed);
        if let Some(record) = self.state.apps.remove(app) {
            self.forget_files(&record.app);
        }
        self.launches.remove(app);
        self.views.app_changed(app);
        self.dirty = true;
        self.emit(app, None, ManagerEventKind::Unregistered);
        Ok(freed)
    }

    /// Deletes what bgassets made for an unregistered app: its cached manifest, its download
    /// folder, and its container unless another registered app shares it (one App Group). Each
    /// delete is checked to lie inside the data dir.
    fn forget_files(&self, app: &crate::model::App) {
        let root = self.paths.data_dir();
        let mut doomed = vec![
            self.paths.manifest_cache(&app.bundle_id),
            self.paths.app_downloads_dir(&app.bundle_id),
        ];
        let shared = self
            .state
            .apps
            .values()
            .any(|other| other.app.container_name() == app.container_name());
        if shared {
            tracing::info!(
                "{}: container {} kept, another app shares it",
                app.bundle_id,
                app.container_name()
            );
        } else {
            doomed.push(self.paths.container(app.container_name()));
        }
        for path in doomed {
            if let Err(error) = crate::store::remove_tree(root, &path) {
                tracing::warn!("{}: {error}", app.bundle_id);
            }
        }
    }

    /// Whether another registered app sharing `container` (one App Group) has `pack` installed.
    fn installed_by_group_mate(&self, app: &str, container: &FolderName, pack: &str) -> bool {
        self.state.apps.iter().any(|(id, other)| {
            id != app
                && other.app.container_name() == container
                && other
                    .packs
                    .get(pack)
                    .is_some_and(|entry| entry.observed.installed.is_some())
        })
    }
}
