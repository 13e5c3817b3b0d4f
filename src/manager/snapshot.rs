//! The status document, maintained: each pack's view is rebuilt when that pack changed, an
//! app's when the app did (order, launch readiness, manifest), and the whole document is
//! published (an `Arc` through a `watch`) only when something changed, so a status request
//! costs no work on the actor and a change costs work for what changed. No file is looked at:
//! partial bytes come from the engine's events.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use super::delta::{ChangeLog, Changes, PublishEffort, Published};
use super::languages::{choose_variants, is_chosen};
use super::plan::Launch;
use super::state::{AppRecord, ManagerState, PackRecord};
use super::view::{AppView, PackView, STATUS_SCHEMA, StatusDocument};
use crate::engine::Limits;
use crate::model::{DownloadPolicy, PackKind, PackStatus};
use crate::store::Paths;

/// What the views are built from.
pub struct Sources<'a> {
    pub state: &'a ManagerState,
    pub paths: &'a Paths,
    pub launches: &'a HashMap<String, Launch>,
    pub limits: Limits,
    pub languages: &'a [String],
}

/// The maintained document.
#[derive(Debug, Default)]
pub struct Views {
    apps: BTreeMap<String, AppSlot>,
    dirty_apps: BTreeSet<String>,
    dirty_packs: BTreeSet<(String, String)>,
    /// Apps whose own downloads alone changed (progress): only those are rebuilt.
    dirty_downloads: BTreeSet<String>,
    changed: bool,
    /// What changed since the last publication, for the next one's log entry.
    pending: Changes,
    /// The last publication's generation.
    generation: u64,
    /// What the recent publications changed.
    log: Arc<ChangeLog>,
    free_bytes: Option<u64>,
    /// What the publications took so far.
    effort: PublishEffort,
}

#[derive(Debug)]
struct AppSlot {
    view: AppView,
    positions: HashMap<String, usize>,
}

impl Views {
    /// Something about the whole app changed (its packs' order, launch readiness, manifest).
    pub fn app_changed(&mut self, app: &str) {
        self.dirty_apps.insert(app.to_string());
        self.changed = true;
    }

    /// One pack's state changed.
    pub fn pack_changed(&mut self, app: &str, pack: &str) {
        self.dirty_packs.insert((app.to_string(), pack.to_string()));
        self.changed = true;
    }

    /// One of the app's own downloads moved: its downloads are rebuilt and its header (the app
    /// without its packs) sent, not the whole app (an app of 10,000 packs is not rebuilt ten
    /// times a second for a download's progress).
    pub fn downloads_changed(&mut self, app: &str) {
        self.dirty_downloads.insert(app.to_string());
        self.changed = true;
    }

    /// Whether something changed since the last publication.
    pub fn has_changes(&self) -> bool {
        self.changed
    }

    /// The next [`Self::publish`] publishes even if nothing changed (the first one).
    pub fn touch(&mut self) {
        self.changed = true;
    }

    /// The free space shown changed.
    pub fn free_space_changed(&mut self, free_bytes: Option<u64>) {
        self.free_bytes = free_bytes;
        self.changed = true;
    }

    /// Everything changed (limits, languages).
    pub fn all_changed(&mut self, state: &ManagerState) {
        for app in state.apps.keys() {
            self.dirty_apps.insert(app.clone());
        }
        self.changed = true;
    }

    /// Brings the changed views up to date.
    pub fn refresh(&mut self, sources: &Sources) {
        for app in std::mem::take(&mut self.dirty_downloads) {
            if self.dirty_apps.contains(&app) {
                continue;
            }
            let (Some(slot), Some(record)) =
                (self.apps.get_mut(&app), sources.state.apps.get(&app))
            else {
                self.dirty_apps.insert(app);
                continue;
            };
            slot.view.downloads = downloads_view(sources.state, &app, record);
            self.pending.headers.insert(app);
        }
        for app in std::mem::take(&mut self.dirty_apps) {
            self.pending.apps.insert(app.clone());
            match sources.state.apps.get(&app) {
                Some(record) => {
                    self.apps
                        .insert(app.clone(), app_slot(sources, &app, record));
                }
                None => {
                    self.apps.remove(&app);
                }
            }
        }
        for (app, pack) in std::mem::take(&mut self.dirty_packs) {
            let (Some(slot), Some(record)) =
                (self.apps.get_mut(&app), sources.state.apps.get(&app))
            else {
                continue;
            };
            let (Some(&position), Some(entry)) =
                (slot.positions.get(&pack), record.packs.get(&pack))
            else {
                self.dirty_apps.insert(app);
                continue;
            };
            let localized = entry
                .observed
                .listed
                .as_ref()
                .is_some_and(|l| l.localization_group.is_some());
            let choices = if localized {
                variants(record, sources.languages)
            } else {
                BTreeMap::new()
            };
            let view = pack_view(sources, record, &pack, entry, position, &choices);
            if let Some(old) = slot.view.packs.get_mut(position) {
                if old.installed_bytes != view.installed_bytes {
                    slot.view.disk_used = slot
                        .view
                        .disk_used
                        .saturating_sub(old.installed_bytes)
                        .saturating_add(view.installed_bytes);
                    self.pending.headers.insert(app.clone());
                }
                *old = Arc::new(view);
                self.pending.packs.insert((app, pack));
            }
        }
        if !self.dirty_apps.is_empty() {
            self.refresh(sources);
        }
    }

    /// The document and the log of what changed, when something changed since the last call.
    /// Generations start at the time of the first publication in milliseconds and count up by
    /// one, so a generation from an earlier run of the manager is not mistaken for one of
    /// this run's.
    pub fn publish(&mut self, sources: &Sources) -> Option<Published> {
        if !std::mem::take(&mut self.changed) {
            return None;
        }
        let started = std::time::Instant::now();
        self.refresh(sources);
        let now = super::state::now_ms();
        self.generation = if self.generation == 0 {
            now
        } else {
            self.generation.saturating_add(1)
        };
        let changes = std::mem::take(&mut self.pending);
        self.log = Arc::new(self.log.with(self.generation, changes));
        let document = StatusDocument {
            schema: STATUS_SCHEMA,
            generation: self.generation,
            generated_at_ms: now,
            limits: sources.limits,
            languages: sources.languages.to_vec(),
            free_bytes: self.free_bytes,
            apps: self.apps.values().map(|slot| slot.view.clone()).collect(),
        };
        let document = Arc::new(document);
        self.effort = self.effort.with(started.elapsed());
        Some(Published {
            document,
            log: self.log.clone(),
            effort: self.effort,
        })
    }

    /// The current view of one app.
    pub fn app(&mut self, sources: &Sources, app: &str) -> Option<AppView> {
        self.refresh(sources);
        self.apps.get(app).map(|slot| slot.view.clone())
    }

    /// The current view of one pack.
    pub fn pack(&mut self, sources: &Sources, app: &str, pack: &str) -> Option<PackView> {
        self.refresh(sources);
        let slot = self.apps.get(app)?;
        slot.view
            .packs
            .get(*slot.positions.get(pack)?)
            .map(|p| PackView::clone(p))
    }
}

/// The app's packs in download order ([`super::queue::order_key`]: moved to the top first,
/// then essential packs, then by the person's order, then by id).
pub fn order(record: &AppRecord) -> Vec<String> {
    let mut ids: Vec<_> = record
        .packs
        .iter()
        .map(|(id, p)| super::queue::order_key(id, p))
        .collect();
    ids.sort_unstable();
    ids.into_iter().map(|key| key.3.to_string()).collect()
}

fn variants(record: &AppRecord, languages: &[String]) -> BTreeMap<String, String> {
    let mut listed: Vec<_> = record
        .packs
        .values()
        .filter_map(|p| Some((p.observed.manifest_index, p.observed.listed.as_ref()?)))
        .filter(|(_, l)| l.localization_group.is_some())
        .collect();
    listed.sort_by_key(|(index, _)| *index);
    choose_variants(listed.into_iter().map(|(_, l)| l), languages)
}

fn app_slot(sources: &Sources, id: &str, record: &AppRecord) -> AppSlot {
    let app = &record.app;
    let choices = variants(record, sources.languages);
    let order = order(record);
    let packs: Vec<Arc<PackView>> = order
        .iter()
        .enumerate()
        .filter_map(|(position, pack)| {
            let entry = record.packs.get(pack)?;
            Some(Arc::new(pack_view(
                sources, record, pack, entry, position, &choices,
            )))
        })
        .collect();
    let positions = order.into_iter().enumerate().map(|(i, p)| (p, i)).collect();
    let launch = sources.launches.get(id).cloned().unwrap_or_default();
    let view = AppView {
        bundle_id: app.bundle_id.to_string(),
        name: app.display_name.clone(),
        short_version: app.short_version.clone(),
        bundle_version: app.bundle_version.clone(),
        source: record.source.clone(),
        icon: record.icon.clone(),
        manifest_url: app.manifest_url.to_string(),
        manifest_etag: record.manifest_etag.clone(),
        last_checked_ms: record.last_checked_ms,
        manifest_error: record.manifest_error.clone(),
        container: sources.paths.container(app.container_name()),
        launch_ready: launch.ready,
        launch_reason: launch.reason,
        waiting_for: launch.waiting_for,
        essential_failed: launch.essential_failed,
        installation_event: record.event,
        disk_used: packs
            .iter()
            .fold(0u64, |sum, p| sum.saturating_add(p.installed_bytes)),
        extension: app.downloader_extension.clone(),
        extension_error: record.extension_error.clone(),
        packs,
        downloads: downloads_view(sources.state, app.bundle_id.as_str(), record),
    };
    AppSlot { view, positions }
}

/// The app's own downloads, by identifier.
fn downloads_view(
    state: &ManagerState,
    app: &str,
    record: &AppRecord,
) -> Vec<crate::manager::downloads::AppDownloadView> {
    let paused = crate::manager::downloads::is_paused(state, record);
    record
        .downloads
        .values()
        .map(|d| d.view(app, paused))
        .collect()
}

fn pack_view(
    sources: &Sources,
    record: &AppRecord,
    id: &str,
    pack: &PackRecord,
    order: usize,
    choices: &BTreeMap<String, String>,
) -> PackView {
    let listed = pack.observed.listed.as_ref();
    let installed = pack.observed.installed.as_ref();
    let activity = pack.live.activity.clone();
    let status = PackStatus {
        installed_version: installed.map(|i| i.version),
        listed_version: listed.map(|l| l.version),
        activity: activity.clone(),
    };
    let flags = status.flags();
    let mirror = pack.live.download.as_ref();
    let progress = activity
        .progress()
        .or_else(|| mirror.map(|m| m.progress))
        .unwrap_or_default();
    let partial_bytes = mirror.map_or(0, |m| m.partial_bytes());
    let base = record
        .manifest_base
        .clone()
        .unwrap_or_else(|| record.app.manifest_url.clone());
    let folder = crate::model::PackId::parse(id)
        .map(|p| p.folder_name())
        .unwrap_or_default();
    let container = sources.paths.container(record.app.container_name());
    PackView {
        app: record.app.bundle_id.to_string(),
        id: id.to_string(),
        name: listed
            .and_then(|l| l.name.clone())
            .unwrap_or_else(|| id.to_string()),
        kind: listed.map_or(PackKind::Data, |l| l.kind),
        policy: listed.map_or(DownloadPolicy::OnDemand, |l| l.download_policy),
        installed_version: status.installed_version,
        listed_version: status.listed_version,
        eta_seconds: progress.eta_seconds(),
        progress,
        activity,
        reason: pack.live.reason.clone(),
        flags,
        download_size: listed.map_or(0, |l| l.download_size),
        install_size: listed.map_or(0, |l| l.install_size),
        installed_bytes: installed.map_or(0, |i| i.bytes),
        url: listed
            .and_then(|l| l.resolve_url(&base).ok())
            .map(|u| crate::model::url_shown::shown_url(&u)),
        etag: mirror.and_then(|m| m.etag.clone()),
        partial_path: mirror
            .filter(|_| partial_bytes > 0)
            .map(|m| m.partial.clone()),
        partial_bytes,
        path: installed.map(|_| container.join(&folder)),
        attempts: mirror.map_or(pack.observed.attempts, |m| m.attempts),
        last_error: pack.observed.last_error.clone(),
        languages: listed.map(|l| l.languages.clone()).unwrap_or_default(),
        localization_group: listed.and_then(|l| l.localization_group.clone()),
        chosen_variant: listed
            .is_some_and(|l| l.localization_group.is_some() && is_chosen(l, choices)),
        wanted: pack.live.wanted,
        paused: sources.state.is_paused(record, pack),
        order,
        pinned: pack.intent.pinned,
        user_info: listed.and_then(|l| l.user_info.clone()),
        timeline: pack.observed.timeline.iter().cloned().collect(),
    }
}
