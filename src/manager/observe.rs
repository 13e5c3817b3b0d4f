//! Following the engine: each event moves the mirror of its pack's download, then the pack is
//! re-planned (progress only updates the shown progress). The mirror is rebuilt from the
//! engine's snapshot at start and when the event stream lagged. Apps' own downloads
//! (`download:` keys) go to [`super::downloads`]. Part of the actor.

use super::actor::Actor;
use super::event::ManagerEventKind;
use super::key::{AppDownloadKey, DownloadKey};
use super::mirror::Mirror;
use crate::engine::{self, EventKind, PauseReason};
use crate::model::{Activity, StatusUpdate};

impl Actor {
    /// Mirrors an engine event onto its pack and re-plans the pack.
    pub async fn on_download_event(&mut self, event: engine::Event) {
        if let Ok(key) = event.id.parse::<AppDownloadKey>() {
            return self.on_app_download_event(key, &event.kind).await;
        }
        let Ok(key) = event.id.parse::<DownloadKey>() else {
            return; // not a managed download
        };
        if !matches!(event.kind, EventKind::Progress { .. }) {
            tracing::debug!(download = %key, kind = ?event.kind, "engine");
        }
        if let Some(unclaimed) = self.unclaimed.get_mut(&(key.app.clone(), key.pack.clone()))
            && unclaimed.key == key
        {
            unclaimed.apply(&event.kind); // a pack the state does not list yet
            return;
        }
        let followed = self
            .pack_mut(&key.app, &key.pack)
            .and_then(|entry| entry.live.download.as_ref())
            .is_some_and(|m| m.key == key);
        if !followed {
            // A download the manager has let go of. One cancelled while its last bytes were
            // verified ends finished all the same, and the engine would answer a later
            // enqueue of that version "already done" with no event: the pack would show
            // queued for good. It is forgotten, with its archive.
            if matches!(event.kind, EventKind::Finished { .. }) {
                self.drop_download(&key).await;
            }
            return;
        }
        let Some(entry) = self.pack_mut(&key.app, &key.pack) else {
            return;
        };
        let Some(mirror) = entry.live.download.as_mut().filter(|m| m.key == key) else {
            return;
        };
        if mirror.is_stale(&event.kind) {
            return; // the partial shown stays what the engine reported when it took the pause
        }
        mirror.apply(&event.kind);
        if matches!(event.kind, EventKind::Queued | EventKind::Started { .. }) {
            // The engine takes it up again (a `diskFull` download once space is freed): the
            // failure is over.
            entry.live.failed = None;
        }
        let note = |what: &str, detail: String| Some((what.to_string(), detail));
        let (told, timeline) = match &event.kind {
            EventKind::Progress { progress, .. } => {
                if let Activity::Downloading { progress: shown } = &mut entry.live.activity {
                    *shown = *progress;
                    self.views.pack_changed(&key.app, &key.pack);
                    self.emit(
                        &key.app,
                        Some(&key.pack),
                        ManagerEventKind::Status {
                            update: StatusUpdate::Downloading {
                                progress: *progress,
                            },
                        },
                    );
                    return;
                }
                (
                    Some(ManagerEventKind::Status {
                        update: StatusUpdate::Downloading {
                            progress: *progress,
                        },
                    }),
                    None,
                )
            }
            EventKind::Started { attempt, from_byte } => (
                Some(ManagerEventKind::Status {
                    update: StatusUpdate::Began,
                }),
                // A start from a later byte resumes a partial download (Range request).
                if *from_byte > 0 {
                    note(
                        "resumed",
                        format!("attempt {attempt} from byte {from_byte} of the partial file"),
                    )
                } else {
                    note("began", format!("attempt {attempt} from the first byte"))
                },
            ),
            EventKind::Paused { reason } => (
                Some(ManagerEventKind::Status {
                    update: StatusUpdate::Paused,
                }),
                note(
                    "paused",
                    match reason {
                        PauseReason::Requested => "asked for; a resume continues it".into(),
                        PauseReason::Preempted => {
                            "preempted: an essential or top pack needed the slot; it goes on by itself"
                                .into()
                        }
                    },
                ),
            ),
            EventKind::Retrying {
                attempt,
                reason,
                delay_ms,
                ..
            } => (
                Some(ManagerEventKind::Changed),
                note(
                    "retrying",
                    format!(
                        "interrupted: {}; attempt {attempt} in {delay_ms} ms",
                        reason.message
                    ),
                ),
            ),
            EventKind::Verifying => (
                Some(ManagerEventKind::Changed),
                note("verifying", "size and SHA-256".into()),
            ),
            EventKind::Finished { .. } => (None, None),
            EventKind::Failed { error } => {
                let error = error.clone();
                self.fail(&key.app, &key.pack, error);
                (None, None)
            }
            EventKind::Queued
            | EventKind::Waiting { .. }
            | EventKind::Cancelled
            | EventKind::Reordered
            | EventKind::Kept { .. } => {
                (Some(ManagerEventKind::Changed), None)
            }
        };
        if let Some(entry) = self.pack_mut(&key.app, &key.pack) {
            if let Some(attempts) = entry.live.download.as_ref().map(|m| m.attempts) {
                entry.observed.attempts = attempts;
            }
            if let Some((what, detail)) = timeline {
                entry.note(&what, detail);
            }
        }
        self.dirty = true;
        if let Some(kind) = told {
            self.emit(&key.app, Some(&key.pack), kind);
        }
        let scope = [key.pack.clone()];
        // A failure or a finish of an essential pack or a language variant bears on the app.
        let ended = matches!(
            event.kind,
            EventKind::Failed { .. } | EventKind::Finished { .. }
        );
        let whole = ended && self.bears_on_app(&key.app, &key.pack);
        self.replan(&key.app, (!whole).then_some(&scope[..])).await;
    }

    /// Gives the packs of `app` the engine's downloads that were waiting for a manifest to list
    /// them.
    pub fn claim_downloads(&mut self, app: &str) {
        let slots: Vec<(String, String)> = self
            .unclaimed
            .keys()
            .filter(|(a, _)| a == app)
            .cloned()
            .collect();
        for slot in slots {
            let listed = self
                .pack_mut(&slot.0, &slot.1)
                .is_some_and(|p| p.observed.listed.is_some() && p.live.download.is_none());
            if listed
                && let Some(mirror) = self.unclaimed.remove(&slot)
                && let Some(entry) = self.pack_mut(&slot.0, &slot.1)
            {
                entry.live.download = Some(mirror);
            }
        }
    }

    /// After a restart: every pack's download comes back from the engine's queue, then every
    /// app is planned (finished downloads get installed, paused ones stay paused).
    pub async fn restore(&mut self) {
        self.resync().await;
    }

    /// Rebuilds the mirror from the engine's snapshot (at start, or after a lagged event
    /// stream) and re-plans every app.
    pub async fn resync(&mut self) {
        let Ok(snapshot) = self.downloads.snapshot().await else {
            return;
        };
        for record in self.state.apps.values_mut() {
            for entry in record.packs.values_mut() {
                entry.live.download = None;
            }
        }
        self.unclaimed.clear();
        let mut stale = Vec::new();
        for download in &snapshot.downloads {
            let Ok(key) = download.request.id.parse::<DownloadKey>() else {
                continue;
            };
            let Some(entry) = self.pack_mut(&key.app, &key.pack) else {
                // An app or pack the state does not list yet (a crash came before the state
                // was saved with it): kept, and claimed when a manifest lists it.
                let slot = (key.app.clone(), key.pack.clone());
                self.unclaimed.insert(slot, Mirror::of(key, download));
                continue;
            };
            // The newest version's download is the pack's; an older one gives way (the plan
            // cancels it when it sees it).
            let newer = entry
                .live
                .download
                .as_ref()
                .is_none_or(|m| m.key.version < key.version);
            if newer {
                if let Some(old) = entry.live.download.take() {
                    stale.push(old.key.id());
                }
                // A download that failed stays failed until the user or the app asks again:
                // a restart (or a lagged event stream) is not asking again.
                if let crate::engine::DownloadState::Failed { error } = &download.state {
                    entry.live.failed = Some(error.clone());
                }
                entry.live.download = Some(Mirror::of(key, download));
            } else {
                stale.push(download.request.id.clone());
            }
        }
        if !stale.is_empty() {
            let _ = self
                .downloads
                .cancel(engine::Targets::Ids(stale.clone()))
                .await;
            let _ = self.downloads.forget(engine::Targets::Ids(stale)).await;
        }
        self.restore_app_downloads(&snapshot).await;
        let apps: Vec<String> = self.state.apps.keys().cloned().collect();
        for app in apps {
            self.views.app_changed(&app);
            self.replan(&app, None).await;
        }
    }
}
