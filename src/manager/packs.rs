//! What the manager does to apps and packs: register, fetch and apply manifests (policies,
//! languages, updates, obsolete packs), download through the engine, install, remove. Part of
//! the actor.

use std::path::{Path, PathBuf};

use super::actor::{Actor, Internal};
use super::api::{ApiError, Move, PackRef, Selection};
use super::event::ManagerEventKind;
use super::fetch::Fetched;
use super::languages::{choose_variants, is_chosen};
use super::plan::{check_limits, policy_wants};
use super::state::{AppRecord, InstalledPack, PackRecord, now_ms};
use crate::engine::{self, DownloadRequest, DownloadState, EventKind, Priority};
use crate::model::{
    Activity, ErrorKind, FolderName, InstallationEvent, PackError, PackId, StatusUpdate,
};

/// The engine's id for version `version` of `pack` of `app`: `app/pack@version` (ids never
/// contain `@`, bundle ids never contain `/`).
pub fn download_id(app: &str, pack: &str, version: u64) -> String {
    format!("{app}/{pack}@{version}")
}

/// The app, pack and version of an engine id made by [`download_id`].
pub fn parse_download_id(id: &str) -> Option<(&str, &str, u64)> {
    let (app, rest) = id.split_once('/')?;
    let (pack, version) = rest.rsplit_once('@')?;
    Some((app, pack, version.parse().ok()?))
}

fn engine_error(error: engine::EngineError) -> ApiError {
    ApiError::new(error.kind(), error.to_string())
}

impl Actor {
    fn record(&self, app: &str) -> Result<&AppRecord, ApiError> {
        self.state
            .apps
            .get(app)
            .ok_or_else(|| ApiError::app_not_found(app))
    }

    /// The app's container and the pack's folder in it.
    pub fn pack_location(&self, app: &str, pack: &str) -> Result<(PathBuf, String), ApiError> {
        let record = self.record(app)?;
        let id = PackId::parse(pack).map_err(|_| ApiError::pack_not_found(app, pack))?;
        if !record.packs.contains_key(pack) {
            return Err(ApiError::pack_not_found(app, pack));
        }
        Ok((
            self.paths.container(record.app.container_name()),
            id.folder_name(),
        ))
    }

    /// Registers the app at `path`: a first installation, or a subsequent update when its
    /// `CFBundleVersion` changed. Returns its bundle id; the caller starts the manifest check.
    pub async fn register(&mut self, path: &Path) -> Result<String, ApiError> {
        let (app, plist, icon) = super::registry::read_app(path)?;
        let id = app.bundle_id.to_string();
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
                self.reconcile(&id).await;
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
                        packs: Default::default(),
                    },
                );
                self.dirty = true;
                self.emit(&id, None, ManagerEventKind::Registered);
            }
        }
        Ok(id)
    }

    /// Forgets `app`, cancelling its downloads and removing its installed packs.
    pub async fn unregister(&mut self, app: &str) -> Result<u64, ApiError> {
        let record = self.record(app)?;
        let container = record.app.container_name().clone();
        let packs: Vec<String> = record.packs.keys().cloned().collect();
        let mut freed = 0;
        for pack in packs {
            if self.installed_by_group_mate(app, &container, &pack) {
                // Another app of the App Group uses these files: only this app's downloads go.
                self.drop_downloads(app, &pack).await?;
            } else {
                freed += self.remove(app, &pack, false).await.unwrap_or(0);
            }
        }
        if let Some(record) = self.state.apps.remove(app) {
            self.forget_files(&record.app);
        }
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

    /// Applies a fetched manifest (or the failure to fetch one); returns the packs now updating
    /// and the packs removed as obsolete.
    pub async fn apply_manifest(
        &mut self,
        app: &str,
        result: Result<Fetched, PackError>,
    ) -> (Vec<PackRef>, Vec<PackRef>) {
        let Some(record) = self.state.apps.get_mut(app) else {
            return (vec![], vec![]);
        };
        record.last_checked_ms = Some(now_ms());
        self.dirty = true;
        let fetched = match result {
            Ok(fetched) => fetched,
            Err(error) => {
                tracing::warn!("{app}: {error}");
                record.manifest_error = Some(error.clone());
                self.emit(app, None, ManagerEventKind::ManifestFailed { error });
                return (vec![], vec![]);
            }
        };
        record.manifest_error = None;
        record.manifest_etag = fetched.etag.clone();
        record.manifest_base = Some(fetched.url.clone());
        let listed: Vec<String> = fetched
            .manifest
            .asset_packs
            .iter()
            .map(|p| p.id.to_string())
            .collect();
        for (index, pack) in fetched.manifest.asset_packs.into_iter().enumerate() {
            let id = pack.id.to_string();
            let entry = record.packs.entry(id).or_insert_with(|| {
                let mut fresh = PackRecord::listed(pack.clone());
                fresh.priority = -(index as i64);
                fresh.note(
                    "listed",
                    format!("version {} in the manifest", pack.version),
                );
                fresh
            });
            entry.obsolete_removed = None;
            entry.listed = Some(pack);
        }
        let gone: Vec<String> = record
            .packs
            .keys()
            .filter(|id| !listed.contains(id))
            .cloned()
            .collect();
        self.emit(
            app,
            None,
            ManagerEventKind::ManifestFetched {
                etag: fetched.etag.clone(),
                changed: fetched.changed,
            },
        );
        let mut removed = Vec::new();
        for id in gone {
            let Some(pack) = self
                .state
                .apps
                .get_mut(app)
                .and_then(|r| r.packs.get_mut(&id))
            else {
                continue;
            };
            if pack.listed.take().is_some() || pack.installed.is_some() {
                let version = pack.installed.as_ref().map(|i| i.version);
                let _ = self.remove(app, &id, false).await;
                if let Some(pack) = self
                    .state
                    .apps
                    .get_mut(app)
                    .and_then(|r| r.packs.get_mut(&id))
                {
                    pack.obsolete_removed = version;
                    pack.note("obsolete", "no longer in the manifest: removed");
                }
                self.emit(app, Some(&id), ManagerEventKind::Obsolete);
                removed.push(PackRef::new(app, &id));
            } else if let Some(record) = self.state.apps.get_mut(app) {
                record.packs.remove(&id); // obsolete last time too: forget it
            }
        }
        let updating = self.reconcile(app).await;
        (updating, removed)
    }

    /// Decides what `app` should have (policy, language, updates) and starts the downloads;
    /// returns the packs being updated.
    pub async fn reconcile(&mut self, app: &str) -> Vec<PackRef> {
        let Some(record) = self.state.apps.get_mut(app) else {
            return vec![];
        };
        let event = record.event;
        let version = record.app.bundle_version.clone();
        let choices = choose_variants(
            record.packs.values().filter_map(|p| p.listed.as_ref()),
            &self.languages,
        );
        let groups_in_use: std::collections::HashSet<String> = record
            .packs
            .values()
            .filter(|p| p.wanted || p.installed.is_some())
            .filter_map(|p| p.listed.as_ref()?.localization_group.clone())
            .collect();
        let mut to_download = Vec::new();
        let mut updating = Vec::new();
        let mut updates = Vec::new();
        for (id, pack) in record.packs.iter_mut() {
            let Some(listed) = pack.listed.clone() else {
                continue;
            };
            let chosen = is_chosen(&listed, &choices);
            if pack.policy_seen.as_deref() != Some(version.as_str()) {
                pack.policy_seen = Some(version.clone());
                if policy_wants(&listed, event) && chosen {
                    pack.wanted = true;
                }
            }
            if let Some(group) = &listed.localization_group {
                if chosen && groups_in_use.contains(group) && pack.installed.is_none() {
                    pack.wanted = true; // the group is in use: the chosen language's variant
                }
                if !chosen && pack.installed.is_none() && !pack.activity.is_in_progress() {
                    pack.wanted = false; // another language's variant is now the one
                }
            }
            if let Some(installed) = &pack.installed
                && listed.version > installed.version
            {
                let noted = pack.timeline.iter().rev().any(|t| {
                    t.what == "updateAvailable"
                        && t.detail
                            .starts_with(&format!("version {} ", listed.version))
                });
                if pack.activity == Activity::Idle && !noted {
                    updates.push((id.clone(), installed.version, listed.version));
                }
                updating.push(PackRef::new(app, id));
                if !pack.activity.is_failed() {
                    to_download.push(id.clone());
                }
            } else if pack.wanted && pack.installed.is_none() && !pack.activity.is_failed() {
                // A failed pack waits for a retry (resume) rather than looping.
                to_download.push(id.clone());
            }
        }
        for (id, installed, available) in updates {
            if let Some(pack) = self
                .state
                .apps
                .get_mut(app)
                .and_then(|r| r.packs.get_mut(&id))
            {
                pack.note(
                    "updateAvailable",
                    format!("version {available} listed, {installed} installed"),
                );
            }
            self.emit(
                app,
                Some(&id),
                ManagerEventKind::UpdateAvailable {
                    installed,
                    available,
                },
            );
        }
        // Essential packs of the current event download first: the others wait until every one
        // of them is installed or failed, so the app reaches launch-ready as soon as it can.
        let is_essential = |actor: &Self, id: &str| {
            actor
                .state
                .apps
                .get(app)
                .and_then(|r| r.packs.get(id))
                .and_then(|p| p.listed.as_ref())
                .is_some_and(|l| l.download_policy.is_essential())
        };
        let (essential, other): (Vec<String>, Vec<String>) = to_download
            .into_iter()
            .partition(|id| is_essential(self, id));
        for id in essential {
            let _ = self.start_download(app, &id).await;
        }
        let essentials_pending = self.state.apps.get(app).is_some_and(|record| {
            !super::views::essentials(record, &self.languages)
                .0
                .is_empty()
        });
        if !essentials_pending {
            for id in other {
                let _ = self.start_download(app, &id).await;
            }
        }
        self.dirty = true;
        updating
    }

    /// `ensureLocalAvailability`: wants the pack and downloads it unless it is installed (and
    /// current, when `require_latest`).
    pub async fn ensure(
        &mut self,
        app: &str,
        pack: &str,
        require_latest: bool,
    ) -> Result<(), ApiError> {
        let record = self.record(app)?;
        let entry = record
            .packs
            .get(pack)
            .ok_or_else(|| ApiError::pack_not_found(app, pack))?;
        if entry.listed.is_none() {
            return Err(ApiError::pack_not_found(app, pack));
        }
        let satisfied = entry.installed.is_some() && (!require_latest || entry.is_current());
        if let Some(entry) = self
            .state
            .apps
            .get_mut(app)
            .and_then(|r| r.packs.get_mut(pack))
        {
            entry.wanted = true;
        }
        self.dirty = true;
        if satisfied {
            return Ok(());
        }
        self.start_download(app, pack).await
    }

    /// Hands the listed version of `pack` to the engine, after checking the app's limits and
    /// where the bytes may come from.
    pub async fn start_download(&mut self, app: &str, pack: &str) -> Result<(), ApiError> {
        let record = self.record(app)?;
        let entry = record
            .packs
            .get(pack)
            .ok_or_else(|| ApiError::pack_not_found(app, pack))?;
        let listed = entry
            .listed
            .clone()
            .ok_or_else(|| ApiError::pack_not_found(app, pack))?;
        let base = record
            .manifest_base
            .clone()
            .unwrap_or_else(|| record.app.manifest_url.clone());
        if entry.activity.is_in_progress() || entry.activity.is_paused() {
            // The same version may now be listed elsewhere (signed URLs expire, a port
            // changes): the saved download continues from its partial file there.
            if let Ok(url) = listed.resolve_url(&base)
                && super::fetch::check_url(&record.app, &url, &self.config.insecure_hosts).is_ok()
            {
                let id = download_id(app, pack, listed.version);
                let _ = self.downloads.relocate(&id, url, listed.sha256).await;
            }
            return Ok(());
        }
        let checked = check_limits(record, &listed).and_then(|()| {
            let url = listed
                .resolve_url(&base)
                .map_err(|m| PackError::new(ErrorKind::InvalidManifest, m))?;
            super::fetch::check_url(&record.app, &url, &self.config.insecure_hosts)?;
            Ok(url)
        });
        let url = match checked {
            Ok(url) => url,
            Err(error) => {
                self.fail(app, pack, error.clone());
                return Err(ApiError::new(error.kind, error.message));
            }
        };
        let id = download_id(app, pack, listed.version);
        let request = DownloadRequest {
            id: id.clone(),
            url,
            destination: self
                .paths
                .pack_archive(&record.app.bundle_id, &listed.id, listed.version),
            expected_size: Some(listed.download_size),
            sha256: Some(listed.sha256),
            priority: Priority(entry.priority),
            essential: listed.download_policy.is_essential(),
            allowed_hosts: record.app.restrictions.domain_allow_list.clone(),
        };
        // A download of another version of this pack gives way.
        let stale: Vec<String> = self
            .downloads
            .snapshot()
            .await
            .map_err(engine_error)?
            .downloads
            .iter()
            .map(|d| d.request.id.clone())
            .filter(|d| {
                parse_download_id(d)
                    .is_some_and(|(a, p, v)| a == app && p == pack && v != listed.version)
            })
            .collect();
        if !stale.is_empty() {
            let _ = self
                .downloads
                .cancel(engine::Targets::Ids(stale.clone()))
                .await;
            let _ = self.downloads.forget(engine::Targets::Ids(stale)).await;
        }
        match self.downloads.enqueue(request).await {
            Ok(()) | Err(engine::EngineError::AlreadyScheduled(_)) => {
                // Show it queued at once (the engine's own event follows), not a stale failure.
                if let Some(entry) = self
                    .state
                    .apps
                    .get_mut(app)
                    .and_then(|r| r.packs.get_mut(pack))
                    && !entry.activity.is_in_progress()
                {
                    entry.activity = Activity::Queued;
                }
                Ok(())
            }
            Err(error) => Err(engine_error(error)),
        }
    }

    /// Marks a pack failed for good.
    pub fn fail(&mut self, app: &str, pack: &str, error: PackError) {
        if let Some(entry) = self
            .state
            .apps
            .get_mut(app)
            .and_then(|r| r.packs.get_mut(pack))
        {
            entry.note("failed", error.message.clone());
            entry.last_error = Some(error.clone());
            entry.activity = Activity::Failed {
                error: error.clone(),
            };
        }
        self.dirty = true;
        self.emit(
            app,
            Some(pack),
            ManagerEventKind::Status {
                update: StatusUpdate::Failed { error },
            },
        );
    }

    /// The engine ids of the selected packs' downloads.
    async fn selected_downloads(&self, selection: &Selection) -> Result<Vec<String>, ApiError> {
        let snapshot = self.downloads.snapshot().await.map_err(engine_error)?;
        Ok(snapshot
            .downloads
            .iter()
            .map(|d| d.request.id.clone())
            .filter(|id| parse_download_id(id).is_some_and(|(a, p, _)| selection.contains(a, p)))
            .collect())
    }

    pub async fn pause(&mut self, selection: &Selection) -> Result<usize, ApiError> {
        let ids = self.selected_downloads(selection).await?;
        self.downloads
            .pause(engine::Targets::Ids(ids))
            .await
            .map_err(engine_error)
    }

    /// Resumes paused downloads and retries failed packs.
    pub async fn resume(&mut self, selection: &Selection) -> Result<usize, ApiError> {
        let ids = self.selected_downloads(selection).await?;
        let mut count = self
            .downloads
            .resume(engine::Targets::Ids(ids))
            .await
            .map_err(engine_error)?;
        let failed: Vec<(String, String)> = self
            .state
            .apps
            .iter()
            .flat_map(|(app, r)| r.packs.iter().map(move |(p, e)| (app, p, e)))
            .filter(|(app, pack, e)| selection.contains(app, pack) && e.activity.is_failed())
            .map(|(app, pack, _)| (app.clone(), pack.clone()))
            .collect();
        for (app, pack) in failed {
            if let Some(entry) = self
                .state
                .apps
                .get_mut(&app)
                .and_then(|r| r.packs.get_mut(&pack))
            {
                entry.activity = Activity::Idle;
            }
            if self.start_download(&app, &pack).await.is_ok() {
                count += 1;
            }
        }
        Ok(count)
    }

    /// Moves a pack in its app's download order.
    pub async fn prioritize(&mut self, app: &str, pack: &str, to: Move) -> Result<(), ApiError> {
        let record = self.record(app)?;
        if !record.packs.contains_key(pack) {
            return Err(ApiError::pack_not_found(app, pack));
        }
        let order = super::views::order(record);
        let position = order.iter().position(|p| p == pack).unwrap_or(0);
        let priority_of = |id: &str| record.packs.get(id).map_or(0, |p| p.priority);
        let mut changes: Vec<(String, i64)> = Vec::new();
        match to {
            Move::Top => {
                let top = order.first().map_or(0, |first| priority_of(first)) + 1;
                changes.push((pack.to_string(), top));
            }
            Move::Up | Move::Down => {
                let neighbour = match to {
                    Move::Up => position.checked_sub(1),
                    _ => Some(position + 1).filter(|i| *i < order.len()),
                };
                if let Some(other) = neighbour.map(|i| order[i].clone()) {
                    let (mine, theirs) = (priority_of(pack), priority_of(&other));
                    let (mine, theirs) = if mine == theirs {
                        if to == Move::Up {
                            (mine + 1, theirs)
                        } else {
                            (mine - 1, theirs)
                        }
                    } else {
                        (theirs, mine)
                    };
                    changes.push((pack.to_string(), mine));
                    changes.push((other, theirs));
                }
            }
        }
        let snapshot = self.downloads.snapshot().await.map_err(engine_error)?;
        for (id, priority) in changes {
            if let Some(entry) = self
                .state
                .apps
                .get_mut(app)
                .and_then(|r| r.packs.get_mut(&id))
            {
                entry.priority = priority;
            }
            for download in snapshot.downloads.iter().filter(|d| {
                parse_download_id(&d.request.id).is_some_and(|(a, p, _)| a == app && p == id)
            }) {
                if to == Move::Top && id == pack {
                    let _ = self.downloads.move_to_top(&download.request.id).await;
                } else {
                    let _ = self
                        .downloads
                        .set_priority(&download.request.id, Priority(priority))
                        .await;
                }
            }
        }
        self.dirty = true;
        self.emit(app, Some(pack), ManagerEventKind::Changed);
        Ok(())
    }

    /// Cancels and forgets every download of `pack`.
    async fn drop_downloads(&mut self, app: &str, pack: &str) -> Result<(), ApiError> {
        let ids = self.selected_downloads(&Selection::pack(app, pack)).await?;
        if !ids.is_empty() {
            let _ = self
                .downloads
                .cancel(engine::Targets::Ids(ids.clone()))
                .await;
            let _ = self.downloads.forget(engine::Targets::Ids(ids)).await;
        }
        Ok(())
    }

    /// Whether another registered app sharing `container` (one App Group) has `pack` installed.
    fn installed_by_group_mate(&self, app: &str, container: &FolderName, pack: &str) -> bool {
        self.state.apps.iter().any(|(id, other)| {
            id != app
                && other.app.container_name() == container
                && other
                    .packs
                    .get(pack)
                    .is_some_and(|entry| entry.installed.is_some())
        })
    }

    /// Removes `pack`'s files and cancels its downloads; returns the bytes freed. `by_person`
    /// means it stays removed until asked for again.
    pub async fn remove(
        &mut self,
        app: &str,
        pack: &str,
        by_person: bool,
    ) -> Result<u64, ApiError> {
        let (container, folder) = self.pack_location(app, pack)?;
        self.drop_downloads(app, pack).await?;
        let freed = crate::install::remove(&container, &folder)
            .map_err(|e| ApiError::new(e.kind(), e.to_string()))?;
        if let Some(entry) = self
            .state
            .apps
            .get_mut(app)
            .and_then(|r| r.packs.get_mut(pack))
        {
            entry.installed = None;
            entry.activity = Activity::Idle;
            if by_person {
                entry.wanted = false;
            }
            entry.note("removed", format!("{freed} bytes freed"));
        }
        self.dirty = true;
        self.emit(app, Some(pack), ManagerEventKind::Removed);
        Ok(freed)
    }

    /// Mirrors an engine event onto its pack, and installs finished downloads.
    pub async fn on_download_event(&mut self, event: engine::Event) {
        let Some((app, pack, version)) = parse_download_id(&event.id) else {
            return;
        };
        let (app, pack) = (app.to_string(), pack.to_string());
        let Some(entry) = self
            .state
            .apps
            .get_mut(&app)
            .and_then(|r| r.packs.get_mut(&pack))
        else {
            return;
        };
        let progress = entry.activity.progress().unwrap_or_default();
        let update = match event.kind {
            EventKind::Queued => {
                entry.activity = Activity::Queued;
                entry.note("queued", format!("version {version}"));
                Some(ManagerEventKind::Queued)
            }
            EventKind::Started { attempt, from_byte } => {
                entry.activity = Activity::Connecting;
                entry.attempts = attempt;
                entry.note("began", format!("attempt {attempt} from byte {from_byte}"));
                Some(ManagerEventKind::Status {
                    update: StatusUpdate::Began,
                })
            }
            EventKind::Progress { progress, .. } => {
                entry.activity = Activity::Downloading { progress };
                Some(ManagerEventKind::Status {
                    update: StatusUpdate::Downloading { progress },
                })
            }
            EventKind::Paused { reason } => {
                entry.activity = Activity::Paused { progress };
                entry.note("paused", format!("{reason:?}"));
                Some(ManagerEventKind::Status {
                    update: StatusUpdate::Paused,
                })
            }
            EventKind::Retrying {
                attempt,
                reason,
                delay_ms,
                ..
            } => {
                entry.note(
                    "retrying",
                    format!("attempt {attempt} in {delay_ms} ms: {reason}"),
                );
                entry.activity = Activity::Retrying {
                    attempt,
                    reason,
                    delay_ms,
                    progress,
                };
                Some(ManagerEventKind::Changed)
            }
            EventKind::Verifying => {
                entry.activity = Activity::Verifying;
                entry.note("verifying", "size and SHA-256");
                Some(ManagerEventKind::Changed)
            }
            EventKind::Finished { .. } => {
                let listed = entry.listed.as_ref().map(|l| l.version);
                if listed == Some(version) {
                    entry.activity = Activity::Installing;
                    entry.note("installing", format!("version {version}"));
                    self.start_install(&app, &pack, version);
                    Some(ManagerEventKind::Installing)
                } else {
                    // A download restored after a crash can be of a version the state does not
                    // list (the manifest that listed it was applied but not yet saved): its
                    // sizes and limits are not known, so it is not installed. The archive stays
                    // for a download of that version to verify and reuse.
                    entry.activity = Activity::Idle;
                    entry.note(
                        "not installed",
                        format!(
                            "version {version} was downloaded, but the manifest lists {}",
                            listed.map_or("no version".into(), |v| format!("version {v}"))
                        ),
                    );
                    let _ = self.downloads.forget(engine::Targets::one(&event.id)).await;
                    self.reconcile(&app).await;
                    Some(ManagerEventKind::Changed)
                }
            }
            EventKind::Failed { error } => {
                let was_ready = self.launch_ready(&app);
                self.fail(&app, &pack, error);
                if !was_ready && self.launch_ready(&app) {
                    self.emit(&app, None, ManagerEventKind::LaunchReady);
                }
                self.reconcile(&app).await;
                None
            }
            EventKind::Cancelled => {
                entry.activity = Activity::Idle;
                Some(ManagerEventKind::Changed)
            }
            EventKind::Reordered => None,
        };
        self.dirty = true;
        if let Some(kind) = update {
            self.emit(&app, Some(&pack), kind);
        }
    }

    pub(super) fn start_install(&mut self, app: &str, pack: &str, version: u64) {
        let Some(record) = self.state.apps.get(app) else {
            return;
        };
        let Some(listed) = record.packs.get(pack).and_then(|p| p.listed.clone()) else {
            return;
        };
        let container = self.paths.container(record.app.container_name());
        let archive = self
            .paths
            .pack_archive(&record.app.bundle_id, &listed.id, version);
        let limit = listed.install_size;
        let internal = self.internal.clone();
        let (app, pack) = (app.to_string(), pack.to_string());
        tokio::spawn(async move {
            let folder = listed.id.folder_name();
            let path = archive.clone();
            let result = tokio::task::spawn_blocking(move || {
                crate::install::install(&crate::install::InstallRequest {
                    archive: &path,
                    container: &container,
                    folder: &folder,
                    max_install_size: limit,
                })
                .map_err(|e| PackError::new(e.kind(), e.to_string()))
            })
            .await
            .unwrap_or_else(|e| {
                Err(PackError::new(
                    ErrorKind::Io,
                    format!("the install of {} stopped: {e}", archive.display()),
                ))
            });
            let _ = internal
                .send(Internal::Installed {
                    app,
                    pack,
                    version,
                    archive,
                    result,
                })
                .await;
        });
    }

    pub async fn finish_install(
        &mut self,
        app: &str,
        pack: &str,
        version: u64,
        archive: &Path,
        result: Result<crate::install::Installed, PackError>,
    ) {
        let was_ready = self.launch_ready(app);
        let id = download_id(app, pack, version);
        let sha256 = self
            .downloads
            .snapshot()
            .await
            .ok()
            .and_then(|s| s.get(&id).and_then(|d| d.sha256));
        let _ = self.downloads.forget(engine::Targets::one(&id)).await;
        let _ = std::fs::remove_file(archive);
        let Some(entry) = self
            .state
            .apps
            .get_mut(app)
            .and_then(|r| r.packs.get_mut(pack))
        else {
            return;
        };
        match result {
            Ok(installed) => {
                entry.installed = Some(InstalledPack {
                    version,
                    bytes: installed.bytes,
                    sha256: sha256.unwrap_or(crate::model::Sha256Digest([0; 32])),
                    installed_at_ms: now_ms(),
                });
                entry.activity = Activity::Idle;
                entry.last_error = None;
                entry.note(
                    "finished",
                    format!(
                        "version {version} installed: {} files, {} bytes",
                        installed.files, installed.bytes
                    ),
                );
                self.dirty = true;
                self.emit(app, Some(pack), ManagerEventKind::Installed { version });
                self.emit(
                    app,
                    Some(pack),
                    ManagerEventKind::Status {
                        update: StatusUpdate::Finished,
                    },
                );
                self.drop_other_variants(app, pack).await;
            }
            Err(error) => self.fail(app, pack, error),
        }
        if !was_ready && self.launch_ready(app) {
            self.emit(app, None, ManagerEventKind::LaunchReady);
        }
        self.reconcile(app).await;
    }

    /// Once a language variant is installed, the other variants of its group are removed.
    async fn drop_other_variants(&mut self, app: &str, pack: &str) {
        let Some(record) = self.state.apps.get(app) else {
            return;
        };
        let Some(group) = record
            .packs
            .get(pack)
            .and_then(|p| p.listed.as_ref())
            .and_then(|l| l.localization_group.clone())
        else {
            return;
        };
        let others: Vec<String> = record
            .packs
            .iter()
            .filter(|(id, p)| {
                id.as_str() != pack
                    && p.installed.is_some()
                    && p.listed
                        .as_ref()
                        .is_some_and(|l| l.localization_group.as_deref() == Some(group.as_str()))
            })
            .map(|(id, _)| id.clone())
            .collect();
        for other in others {
            let _ = self.remove(app, &other, true).await;
        }
    }

    /// After a restart: activity comes back from the engine's queue; downloads that finished
    /// while the manager was down are installed.
    pub async fn restore(&mut self) {
        self.resync_activity().await;
        let Ok(snapshot) = self.downloads.snapshot().await else {
            return;
        };
        for download in snapshot.downloads {
            if download.state == DownloadState::Finished
                && let Some((app, pack, version)) = parse_download_id(&download.request.id)
            {
                let (app, pack) = (app.to_string(), pack.to_string());
                if let Some(entry) = self
                    .state
                    .apps
                    .get_mut(&app)
                    .and_then(|r| r.packs.get_mut(&pack))
                {
                    entry.activity = Activity::Installing;
                }
                self.start_install(&app, &pack, version);
            }
        }
    }

    /// Rebuilds every pack's activity from the engine (after a restart or a lagged event stream).
    pub async fn resync_activity(&mut self) {
        let Ok(snapshot) = self.downloads.snapshot().await else {
            return;
        };
        for record in self.state.apps.values_mut() {
            for entry in record.packs.values_mut() {
                if !matches!(
                    entry.activity,
                    Activity::Installing | Activity::Failed { .. }
                ) {
                    entry.activity = Activity::Idle;
                }
            }
        }
        for download in &snapshot.downloads {
            let Some((app, pack, _)) = parse_download_id(&download.request.id) else {
                continue;
            };
            let Some(entry) = self
                .state
                .apps
                .get_mut(app)
                .and_then(|r| r.packs.get_mut(pack))
            else {
                continue;
            };
            let progress = download.progress();
            entry.activity = match &download.state {
                DownloadState::Queued => Activity::Queued,
                DownloadState::Connecting => Activity::Connecting,
                DownloadState::Downloading => Activity::Downloading { progress },
                DownloadState::Verifying => Activity::Verifying,
                DownloadState::Paused { .. } => Activity::Paused { progress },
                DownloadState::Retrying {
                    attempt,
                    reason,
                    delay_ms,
                    ..
                } => Activity::Retrying {
                    attempt: *attempt,
                    reason: reason.clone(),
                    delay_ms: *delay_ms,
                    progress,
                },
                DownloadState::Failed { error } => Activity::Failed {
                    error: error.clone(),
                },
                DownloadState::Finished => Activity::Installing,
                DownloadState::Cancelled => Activity::Idle,
            };
            entry.attempts = download.attempts;
        }
    }
}
