//! Installs under the actor's control: at most one per pack, each with its cancellation flag
//! and task. The task tells the actor when it ends; the actor takes its result from the task
//! itself. A removal (or unregister) during an install sets the flag and waits for the task:
//! the installer stops between entries and deletes what it wrote, or the install had already
//! swapped in and the removal deletes that. Part of the actor.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::actor::Actor;
use super::event::ManagerEventKind;
use super::key::DownloadKey;
use super::running::{InstallDone, RunningInstall};
use super::state::{InstalledPack, now_ms};
use crate::install::Installed;
use crate::model::{ErrorKind, PackError, Sha256Digest, StatusUpdate};

impl Actor {
    /// Installs the finished download `key` from its archive, unless an install of the pack
    /// is already running.
    pub fn start_install(&mut self, key: &DownloadKey) {
        let slot = (key.app.clone(), key.pack.clone());
        if self.installs.contains_key(&slot) {
            return;
        }
        let Some(record) = self.state.apps.get(&key.app) else {
            return;
        };
        let Some(listed) = record
            .packs
            .get(&key.pack)
            .and_then(|p| p.observed.listed.clone())
        else {
            return;
        };
        let container = self.paths.container(record.app.container_name());
        let archive = self
            .paths
            .pack_archive(&record.app.bundle_id, &listed.id, key.version);
        let limit = listed.install_size;
        let cancel = Arc::new(AtomicBool::new(false));
        let (flag, done, finished) = (cancel.clone(), self.install_done.clone(), key.clone());
        let task = tokio::spawn(async move {
            let folder = listed.id.folder_name();
            let path = archive.clone();
            let result = tokio::task::spawn_blocking(move || {
                crate::install::install_cancellable(
                    &crate::install::InstallRequest {
                        archive: &path,
                        container: &container,
                        folder: &folder,
                        max_install_size: limit,
                    },
                    &flag,
                )
                .map_err(|e| PackError::new(e.kind(), e.to_string()))
            })
            .await
            .unwrap_or_else(|e| {
                Err(PackError::new(
                    ErrorKind::Io,
                    format!("the install of {} stopped: {e}", archive.display()),
                ))
            });
            let _ = done.send(InstallDone { key: finished });
            result
        });
        if let Some(entry) = self.pack_mut(&key.app, &key.pack) {
            entry.live.installing = Some(key.version);
            entry.note("installing", format!("version {}", key.version));
        }
        self.installs.insert(
            slot,
            RunningInstall {
                key: key.clone(),
                cancel,
                task,
                delta: None,
            },
        );
        self.emit(&key.app, Some(&key.pack), ManagerEventKind::Installing);
    }

    /// An install task ended: takes its result, unless a removal already did.
    pub async fn on_installed(&mut self, done: InstallDone) {
        let slot = (done.key.app.clone(), done.key.pack.clone());
        if self.installs.get(&slot).is_none_or(|r| r.key != done.key) {
            return;
        }
        if let Some(running) = self.installs.remove(&slot) {
            let delta = running.delta.clone();
            let result = join(running).await;
            self.finish_install(&done.key, result, delta).await;
            let scope = [done.key.pack.clone()];
            let whole = self.bears_on_app(&done.key.app, &done.key.pack);
            self.replan(&done.key.app, (!whole).then_some(&scope[..]))
                .await;
        }
    }

    /// Stops the install of `pack` (if one runs), waits for it, and records what it left.
    pub async fn cancel_install(&mut self, app: &str, pack: &str) {
        let slot = (app.to_string(), pack.to_string());
        if let Some(running) = self.installs.remove(&slot) {
            running.cancel.store(true, Ordering::Relaxed);
            let (key, delta) = (running.key.clone(), running.delta.clone());
            let result = join(running).await;
            self.finish_install(&key, result, delta).await;
        }
    }

    /// Waits for every running install (shutting down) and records what each did, so a
    /// finished install is never installed again and a finished archive never lost. A delta
    /// update is stopped first: it fetches from the network, which may take any time (a slow
    /// origin), and stopped it swaps nothing in; the next start tries again. An extraction
    /// from a local archive runs to its end.
    pub async fn finish_installs(&mut self) {
        let running: Vec<RunningInstall> = self.installs.drain().map(|(_, r)| r).collect();
        for install in running.iter().filter(|install| install.delta.is_some()) {
            install.cancel.store(true, Ordering::Relaxed);
        }
        for install in running {
            let (key, delta) = (install.key.clone(), install.delta.clone());
            let result = join(install).await;
            self.finish_install(&key, result, delta).await;
        }
    }

    /// Records the end of the install of `key` (a delta update when `delta` is given).
    async fn finish_install(
        &mut self,
        key: &DownloadKey,
        result: Result<Installed, PackError>,
        delta: Option<Arc<super::running::DeltaRun>>,
    ) {
        if let Some(run) = delta {
            self.finish_patch(key, result, &run);
            return;
        }
        let sha256 = self
            .pack_mut(&key.app, &key.pack)
            .map(|entry| {
                entry.live.installing = None;
                entry.live.download.as_ref().and_then(|m| m.sha256)
            })
            .unwrap_or_default();
        self.dirty = true;
        self.views.pack_changed(&key.app, &key.pack);
        match result {
            Err(error) if super::space::waits_for_space(&error) => {
                self.wait_for_space(key, error).await;
                return;
            }
            Err(error) if error.kind == ErrorKind::Cancelled => {
                if let Some(entry) = self.pack_mut(&key.app, &key.pack) {
                    entry.note(
                        "install cancelled",
                        "stopped before anything was swapped in: nothing of it was installed",
                    );
                }
                self.emit(
                    &key.app,
                    Some(&key.pack),
                    ManagerEventKind::InstallCancelled,
                );
            }
            Err(error) => self.fail(&key.app, &key.pack, error),
            Ok(installed) => self.record_installed(key, &installed, sha256),
        }
        self.drop_download(key).await;
    }

    pub(super) fn record_installed(
        &mut self,
        key: &DownloadKey,
        installed: &Installed,
        sha256: Option<Sha256Digest>,
    ) {
        let Some(entry) = self.pack_mut(&key.app, &key.pack) else {
            return;
        };
        entry.observed.installed = Some(InstalledPack {
            version: key.version,
            bytes: installed.bytes,
            sha256: sha256.unwrap_or(Sha256Digest([0; 32])),
            installed_at_ms: now_ms(),
        });
        entry.observed.obsolete = false;
        entry.observed.last_error = None;
        entry.live.failed = None;
        entry.note(
            "finished",
            format!(
                "version {} installed: {} files, {} bytes",
                key.version, installed.files, installed.bytes
            ),
        );
        self.emit(
            &key.app,
            Some(&key.pack),
            ManagerEventKind::Installed {
                version: key.version,
            },
        );
        self.emit(
            &key.app,
            Some(&key.pack),
            ManagerEventKind::Status {
                update: StatusUpdate::Finished,
            },
        );
    }
}

/// The result of an install task.
async fn join(running: RunningInstall) -> Result<Installed, PackError> {
    running.task.await.unwrap_or_else(|e| {
        Err(PackError::new(
            ErrorKind::Io,
            format!("the install of {} stopped: {e}", running.key),
        ))
    })
}
