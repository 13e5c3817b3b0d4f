//! Applying a fetched manifest (or the failure to fetch one): what is listed and where, the
//! policies of the app's installation event, updates and packs no longer listed. It changes
//! what was observed (and the policy's intent, once per installation event), then re-plans.
//! Part of the actor.

use super::actor::Actor;
use super::api::{PackRef, Updates};
use super::event::ManagerEventKind;
use super::fetch::Fetched;
use super::state::{PackRecord, WantedBy, now_ms};
use crate::model::PackError;

impl Actor {
    /// Applies a fetched manifest (or the failure to fetch one) to `app`.
    pub async fn apply_manifest(
        &mut self,
        app: &str,
        result: Result<Fetched, PackError>,
    ) -> Updates {
        let mut found = Updates::default();
        let Some(record) = self.state.apps.get_mut(app) else {
            return found;
        };
        record.last_checked_ms = Some(now_ms());
        self.dirty = true;
        self.views.app_changed(app);
        let fetched = match result {
            Ok(fetched) => fetched,
            Err(error) => {
                tracing::warn!("{app}: {error}");
                record.manifest_error = Some(error.clone());
                self.emit(app, None, ManagerEventKind::ManifestFailed { error });
                self.replan(app, None).await;
                return found;
            }
        };
        record.manifest_error = None;
        record.manifest_etag = fetched.etag.clone();
        record.manifest_base = Some(fetched.url.clone());
        let mut listed = std::collections::BTreeSet::new();
        let mut told = Vec::new();
        for (index, pack) in fetched.manifest.asset_packs.into_iter().enumerate() {
            let id = pack.id.to_string();
            listed.insert(id.clone());
            let entry = record.packs.entry(id).or_insert_with(|| {
                let mut fresh = PackRecord::listed(pack.clone(), index);
                fresh.note(
                    "listed",
                    format!("version {} in the manifest", pack.version),
                );
                fresh
            });
            let newer = entry
                .observed
                .listed
                .as_ref()
                .is_none_or(|old| old.version != pack.version);
            if newer {
                entry.live.failed = None; // a new version is tried afresh
            }
            if let Some(installed) = &entry.observed.installed
                && pack.version > installed.version
            {
                let detail = format!(
                    "version {} listed, {} installed",
                    pack.version, installed.version
                );
                let (old, new) = (installed.version, pack.version);
                if newer {
                    entry.note("updateAvailable", detail);
                    told.push((pack.id.to_string(), old, new));
                }
                found.updating.push(PackRef::new(app, pack.id.to_string()));
            }
            entry.observed.manifest_index = index;
            entry.observed.listed = Some(pack);
        }
        let Some(record) = self.state.apps.get_mut(app) else {
            return found;
        };
        let mut forget = Vec::new();
        for (id, pack) in record
            .packs
            .iter_mut()
            .filter(|(id, _)| !listed.contains(*id))
        {
            let was_listed = pack.observed.listed.take().is_some();
            if was_listed || pack.observed.installed.is_some() {
                if was_listed {
                    pack.note("unlisted", "the manifest no longer lists it");
                }
                found.removed.push(PackRef::new(app, id));
            } else if pack.live.download.is_none()
                && pack.live.installing.is_none()
                && !pack.intent.holds_a_word()
            {
                // Unlisted last time too, nothing installed, and nothing the user or the app
                // said of it (a pause, a pin, asking for it) that a later listing must keep.
                forget.push(id.clone());
            }
        }
        for id in forget {
            record.packs.remove(&id);
        }
        self.emit(
            app,
            None,
            ManagerEventKind::ManifestFetched {
                etag: fetched.etag,
                changed: fetched.changed,
            },
        );
        for (pack, installed, available) in told {
            self.emit(
                app,
                Some(&pack),
                ManagerEventKind::UpdateAvailable {
                    installed,
                    available,
                },
            );
        }
        self.apply_policies(app);
        self.claim_downloads(app);
        self.replan(app, None).await;
        self.request_due_content(app);
        found
    }

    /// The first time packs are seen for the app's current `CFBundleVersion`, the policies
    /// of its installation event ask for theirs (a removal sticks until the next update).
    pub fn apply_policies(&mut self, app: &str) {
        let Some(record) = self.state.apps.get_mut(app) else {
            return;
        };
        let version = record.app.bundle_version.clone();
        let event = record.event;
        for pack in record.packs.values_mut() {
            let Some(listed) = &pack.observed.listed else {
                continue;
            };
            if pack.intent.policy_seen.as_deref() == Some(version.as_str()) {
                continue;
            }
            pack.intent.policy_seen = Some(version.clone());
            if listed.download_policy.downloads_at(event) && pack.intent.wanted.is_none() {
                pack.intent.wanted = Some(WantedBy::Policy);
            }
        }
        self.dirty = true;
    }
}
