//! Applying the plan: the actor gathers an app's input, calls [`plan::plan`], keeps each pack's
//! shown state and reason, and carries out the actions (engine commands, installs, deletes).
//! Part of the actor.

use super::actor::Actor;
use super::batch::Batch;
use super::event::ManagerEventKind;
use super::key::DownloadKey;
use super::mirror::Mirror;
use super::plan::{self, Action, Input};
use crate::engine::{self, DownloadState, Priority};
use crate::model::{PackError, StatusUpdate};

/// How many times one change may re-plan after actions that change what the plan sees.
const ROUNDS: usize = 3;

impl Actor {
    /// Plans `packs` of `app` (all of them when `None`) and applies the actions.
    pub async fn replan(&mut self, app: &str, packs: Option<&[String]>) {
        // A change to an essential pack or a language variant bears on the others (the packs
        // waiting behind essentials, the group) even when it leads to no action of its own:
        // such a change plans the whole app from the start.
        let mut scope: Option<Vec<String>> = packs
            .filter(|ids| !ids.iter().any(|pack| self.bears_on_app(app, pack)))
            .map(<[String]>::to_vec);
        let extension = self.extension_for(app).map(|e| e.name());
        for _ in 0..ROUNDS {
            let Some(record) = self.state.apps.get(app) else {
                return;
            };
            let input = Input {
                app,
                record,
                paused_all: self.state.paused_all,
                languages: &self.languages,
                insecure_hosts: &self.config.insecure_hosts,
                extension: extension.as_deref(),
            };
            let (launch, plans) = plan::plan(&input, scope.as_deref());
            let previous = self.launches.get(app);
            if previous != Some(&launch) {
                if previous.is_some_and(|l| !l.ready) && launch.ready {
                    self.emit(app, None, ManagerEventKind::LaunchReady);
                }
                self.launches.insert(app.to_string(), launch);
                self.views.app_changed(app);
            }
            let mut again = Vec::new();
            let mut batch = Batch::default();
            for (pack, planned) in plans {
                if !planned.actions.is_empty() {
                    tracing::debug!(app, pack, actions = %super::plan::logged(&planned.actions), reason = planned.reason, "plan");
                }
                if let Some(entry) = self.pack_mut(app, &pack)
                    && (entry.live.activity != planned.activity
                        || entry.live.reason != planned.reason
                        || entry.live.wanted != planned.wanted)
                {
                    entry.live.activity = planned.activity;
                    entry.live.reason = planned.reason;
                    entry.live.wanted = planned.wanted;
                    self.views.pack_changed(app, &pack);
                }
                let mut changed = false;
                for action in planned.actions {
                    changed |= self.act(app, &pack, action, &mut batch).await;
                }
                if changed {
                    again.push(pack);
                }
            }
            self.send_batch(&mut batch).await;
            if again.is_empty() {
                return;
            }
            // What changed may bear on other packs (variants, essentials): then the app is
            // planned again, else the changed packs.
            scope = if again.iter().any(|pack| self.bears_on_app(app, pack)) {
                None
            } else {
                Some(again)
            };
        }
    }

    /// Whether a change to `pack` can change other packs' plans: an essential pack (launch
    /// readiness, the packs waiting behind it) or a language variant (its group).
    pub fn bears_on_app(&self, app: &str, pack: &str) -> bool {
        self.state
            .apps
            .get(app)
            .and_then(|r| r.packs.get(pack))
            .and_then(|p| p.observed.listed.as_ref())
            .is_none_or(|l| l.download_policy.is_essential() || l.localization_group.is_some())
    }

    /// The record of `pack` of `app`, to change.
    pub fn pack_mut(&mut self, app: &str, pack: &str) -> Option<&mut super::state::PackRecord> {
        self.state.apps.get_mut(app)?.packs.get_mut(pack)
    }

    /// Carries out one action; true when it changed what the plan sees. Pauses and resumes
    /// join `batch`; any other action sends the batch first, so the engine sees the plan's order.
    async fn act(&mut self, app: &str, pack: &str, action: Action, batch: &mut Batch) -> bool {
        self.dirty = true;
        self.views.pack_changed(app, pack);
        let pause = matches!(action, Action::Pause(_));
        if let Action::Pause(key) | Action::Resume(key) = action {
            self.batch_verb(batch, key, pause).await;
            return false;
        }
        self.send_batch(batch).await;
        match action {
            Action::Pause(_) | Action::Resume(_) => false, // joined the batch above
            Action::Start { key, url } => {
                if self.start_patch(&key, &url) {
                    return false;
                }
                self.start_download(key, url).await
            }
            Action::Relocate { key, url } => {
                let sha256 = self
                    .pack_mut(app, pack)
                    .and_then(|p| p.observed.listed.as_ref().map(|l| l.sha256));
                if let Some(sha256) = sha256
                    && self
                        .downloads
                        .relocate(&key.id(), url.clone(), sha256)
                        .await
                        .is_ok()
                    && let Some(m) = self.mirror_mut(&key)
                {
                    m.url = url;
                }
                false
            }
            // `replan` gathers these into one command each; alone, each is a batch of one.
            Action::Reprioritize { key, priority, top } => {
                let id = key.id();
                let done = if top {
                    self.downloads.move_to_top(&id).await
                } else {
                    self.downloads.set_priority(&id, Priority(priority)).await
                };
                if done.is_ok()
                    && let Some(m) = self.mirror_mut(&key)
                {
                    (m.priority, m.top) = if top {
                        (i64::MAX, true)
                    } else {
                        (priority, false)
                    };
                }
                false
            }
            Action::Cancel(key) => {
                self.drop_download(&key).await;
                true
            }
            Action::Install(key) => {
                self.start_install(&key);
                false
            }
            Action::CancelInstall { pack } => {
                self.cancel_install(app, &pack).await;
                true
            }
            Action::Delete { pack } => {
                self.delete_files(app, &pack);
                true
            }
            Action::MarkObsolete { pack } => {
                if let Some(entry) = self.pack_mut(app, &pack) {
                    entry.observed.obsolete = true;
                    entry.note(
                        "obsolete",
                        "no longer in the manifest; the installed files stay",
                    );
                }
                self.emit(app, Some(&pack), ManagerEventKind::Obsolete);
                false
            }
            Action::Fail { pack, error } => {
                self.fail(app, &pack, error);
                true // launch readiness and the packs behind essentials follow
            }
            Action::AskExtension { pack, version } => self.ask_extension(app, &pack, version),
        }
    }

    /// The mirror of the download `key`, when it is the pack's current one.
    pub fn mirror_mut(&mut self, key: &DownloadKey) -> Option<&mut Mirror> {
        self.pack_mut(&key.app, &key.pack)?
            .live
            .download
            .as_mut()
            .filter(|m| m.key == *key)
    }

    /// The engine already has `key` (a download the manager did not follow, or one still
    /// winding down after a cancel): its state is read from the engine, and a cancelled one is
    /// planned again a moment later, once its worker has stopped.
    pub(super) async fn adopt_scheduled(&mut self, key: &DownloadKey) {
        let found = self.downloads.snapshot().await.ok().and_then(|snapshot| {
            snapshot
                .get(&key.id())
                .map(|download| Mirror::of(key.clone(), download))
        });
        let cancelled = found
            .as_ref()
            .is_none_or(|m| m.state == DownloadState::Cancelled);
        if let Some(entry) = self.pack_mut(&key.app, &key.pack) {
            entry.live.download = found.filter(|_| !cancelled);
        }
        if cancelled {
            let internal = self.internal.clone();
            let (app, pack) = (key.app.clone(), key.pack.clone());
            tokio::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                let _ = internal
                    .send(super::actor::Internal::Replan { app, pack })
                    .await;
            });
        }
    }

    /// Cancels and forgets the engine's download `key`, and deletes its archive.
    pub async fn drop_download(&mut self, key: &DownloadKey) {
        let id = key.id();
        let _ = self.downloads.cancel(engine::Targets::one(&id)).await;
        let _ = self.downloads.forget(engine::Targets::one(&id)).await;
        if let Some(record) = self.state.apps.get(&key.app)
            && let Ok(pack) = crate::model::PackId::parse(&key.pack)
        {
            let archive = self
                .paths
                .pack_archive(&record.app.bundle_id, &pack, key.version);
            let _ = std::fs::remove_file(archive);
        }
        if let Some(entry) = self.pack_mut(&key.app, &key.pack)
            && entry.live.download.as_ref().is_some_and(|m| m.key == *key)
        {
            entry.live.download = None;
        }
    }

    /// Marks a pack failed until the user or the app asks again.
    pub fn fail(&mut self, app: &str, pack: &str, error: PackError) {
        if let Some(entry) = self.pack_mut(app, pack) {
            entry.note("failed", error.message.clone());
            entry.observed.last_error = Some(error.clone());
            entry.live.failed = Some(error.clone());
        }
        self.dirty = true;
        self.views.pack_changed(app, pack);
        self.emit(
            app,
            Some(pack),
            ManagerEventKind::Status {
                update: StatusUpdate::Failed { error },
            },
        );
    }
}
