//! How the manager shows its state: the status document built from its own records and the
//! engine's snapshot (partial files, ETags, attempts), the download order, and launch readiness.
//! Part of the actor.

use super::actor::Actor;
use super::languages::{choose_variants, is_chosen};
use super::packs::parse_download_id;
use super::state::AppRecord;
use super::view::{AppView, PackView, STATUS_SCHEMA, StatusDocument};
use crate::engine::{Download, DownloadState, Snapshot};
use crate::model::{DownloadPolicy, PackKind, PackStatus};

/// The app's packs in download order: essential first, then by priority, then by id.
pub fn order(record: &AppRecord) -> Vec<String> {
    let mut ids: Vec<(&String, bool, i64)> = record
        .packs
        .iter()
        .map(|(id, p)| {
            let essential = p
                .listed
                .as_ref()
                .is_some_and(|l| l.download_policy.is_essential());
            (id, essential, p.priority)
        })
        .collect();
    ids.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(b.0)));
    ids.into_iter().map(|(id, _, _)| id.clone()).collect()
}

/// The essential packs the app's current event asks for, split into (waiting, failed).
pub fn essentials(record: &AppRecord, languages: &[String]) -> (Vec<String>, Vec<String>) {
    let choices = choose_variants(
        record.packs.values().filter_map(|p| p.listed.as_ref()),
        languages,
    );
    let mut waiting = Vec::new();
    let mut failed = Vec::new();
    for (id, pack) in &record.packs {
        let Some(listed) = &pack.listed else { continue };
        let essential = matches!(listed.download_policy, DownloadPolicy::Essential(events) if events.contains(record.event));
        if !essential || !is_chosen(listed, &choices) || pack.is_current() {
            continue;
        }
        if pack.activity.is_failed() {
            failed.push(id.clone());
        } else {
            waiting.push(id.clone());
        }
    }
    (waiting, failed)
}

impl Actor {
    /// Whether every essential pack for the app's current event is in (or failed for good).
    pub fn launch_ready(&self, app: &str) -> bool {
        self.state.apps.get(app).is_some_and(|record| {
            record.last_checked_ms.is_some() && essentials(record, &self.languages).0.is_empty()
        })
    }

    /// The whole status document.
    pub async fn document(&self) -> StatusDocument {
        let snapshot = self.downloads.snapshot().await.ok();
        let apps = self
            .state
            .apps
            .values()
            .map(|record| self.app_view(record, snapshot.as_ref()))
            .collect();
        StatusDocument {
            schema: STATUS_SCHEMA,
            generated_at_ms: super::state::now_ms(),
            limits: self.settings.limits,
            languages: self.languages.clone(),
            apps,
        }
    }

    fn app_view(&self, record: &AppRecord, snapshot: Option<&Snapshot>) -> AppView {
        let app = &record.app;
        let container = self.paths.container(app.container_name());
        let choices = choose_variants(
            record.packs.values().filter_map(|p| p.listed.as_ref()),
            &self.languages,
        );
        let order = order(record);
        let packs: Vec<PackView> = order
            .iter()
            .enumerate()
            .filter_map(|(position, id)| {
                let pack = record.packs.get(id)?;
                let download = snapshot.and_then(|s| {
                    s.downloads.iter().rev().find(|d| {
                        parse_download_id(&d.request.id)
                            .is_some_and(|(a, p, _)| app.bundle_id == a && p == id)
                    })
                });
                Some(pack_view(
                    record, id, pack, download, position, &container, &choices,
                ))
            })
            .collect();
        let (waiting_for, essential_failed) = essentials(record, &self.languages);
        AppView {
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
            container,
            launch_ready: record.last_checked_ms.is_some() && waiting_for.is_empty(),
            waiting_for,
            essential_failed,
            installation_event: record.event,
            disk_used: packs.iter().map(|p| p.installed_bytes).sum(),
            packs,
        }
    }
}

fn pack_view(
    record: &AppRecord,
    id: &str,
    pack: &super::state::PackRecord,
    download: Option<&Download>,
    order: usize,
    container: &std::path::Path,
    choices: &std::collections::BTreeMap<String, String>,
) -> PackView {
    let listed = pack.listed.as_ref();
    let status = PackStatus {
        installed_version: pack.installed.as_ref().map(|i| i.version),
        listed_version: listed.map(|l| l.version),
        activity: pack.activity.clone(),
    };
    let mut flags = status.flags();
    flags.obsolete |= pack.obsolete_removed.is_some();
    let progress = pack
        .activity
        .progress()
        .or_else(|| download.map(Download::progress))
        .unwrap_or_default();
    let partial = download
        .filter(|d| !d.state.is_terminal() || matches!(d.state, DownloadState::Failed { .. }))
        .map(|d| d.request.partial_path())
        .filter(|p| p.exists());
    let base = record
        .manifest_base
        .clone()
        .unwrap_or_else(|| record.app.manifest_url.clone());
    let folder = crate::model::PackId::parse(id)
        .map(|p| p.folder_name())
        .unwrap_or_default();
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
        activity: pack.activity.clone(),
        flags,
        download_size: listed.map_or(0, |l| l.download_size),
        install_size: listed.map_or(0, |l| l.install_size),
        installed_bytes: pack.installed.as_ref().map_or(0, |i| i.bytes),
        url: listed
            .and_then(|l| l.resolve_url(&base).ok())
            .map(|u| u.to_string()),
        etag: download.and_then(|d| d.validator.etag.clone()),
        partial_bytes: partial
            .as_ref()
            .and_then(|p| std::fs::metadata(p).ok())
            .map_or(0, |m| m.len()),
        partial_path: partial,
        path: pack.installed.as_ref().map(|_| container.join(&folder)),
        attempts: download.map_or(pack.attempts, |d| d.attempts),
        last_error: pack.last_error.clone(),
        languages: listed.map(|l| l.languages.clone()).unwrap_or_default(),
        localization_group: listed.and_then(|l| l.localization_group.clone()),
        chosen_variant: listed
            .is_some_and(|l| l.localization_group.is_some() && is_chosen(l, choices)),
        wanted: pack.wanted,
        order,
        user_info: listed.and_then(|l| l.user_info.clone()),
        timeline: pack.timeline.iter().cloned().collect(),
    }
}
