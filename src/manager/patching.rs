//! Delta updates under the actor's control. When the plan starts the download of a new
//! version of an installed pack whose manifest entry names a file list, the actor runs a
//! delta update ([`crate::patch`]) in the install slot instead: the pack shows as installing
//! (with a reason that says it fetches only changed files), a pause or removal stops it through
//! the install's cancel flag, and its end is recorded like an install's. When it fails for any
//! reason but a stop, the reason goes to the pack's timeline and the event log, the version is
//! marked so the next plan downloads the whole archive through the engine, and nothing of the
//! delta was installed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use url::Url;

use super::actor::Actor;
use super::event::ManagerEventKind;
use super::key::DownloadKey;
use super::running::{DeltaRun, InstallDone, RunningInstall};
use crate::install::Installed;
use crate::model::{ErrorKind, PackError};
use crate::patch::{PatchRequest, update};

impl Actor {
    /// Starts a delta update to `key` from `url` when the pack is installed at an older
    /// version, its listing names a file list, and no delta of this version failed before;
    /// true when it started (the plan then sees the pack installing).
    pub fn start_patch(&mut self, key: &DownloadKey, url: &Url) -> bool {
        let slot = (key.app.clone(), key.pack.clone());
        if self.installs.contains_key(&slot) {
            return false;
        }
        let Some(record) = self.state.apps.get(&key.app) else {
            return false;
        };
        let Some(entry) = record.packs.get(&key.pack) else {
            return false;
        };
        let (Some(listed), Some(installed)) = (&entry.observed.listed, &entry.observed.installed)
        else {
            return false;
        };
        let Some(list) = listed.files.clone() else {
            return false;
        };
        if listed.version != key.version
            || installed.version >= key.version
            || entry.live.delta_refused == Some(key.version)
        {
            return false;
        }
        let Some(Ok(list_url)) = record
            .manifest_base
            .as_ref()
            .and_then(|base| listed.resolve_files_url(base))
        else {
            return false;
        };
        let app = record.app.clone();
        let insecure = self.config.insecure_hosts.clone();
        let allow = Arc::new(move |url: &Url| {
            super::fetch::check_url(&app, url, &insecure).map_err(|e| e.message)
        });
        let archive = self
            .paths
            .pack_archive(&record.app.bundle_id, &listed.id, key.version);
        let mut scratch = archive.into_os_string();
        scratch.push(".delta");
        let from = installed.version;
        let request = PatchRequest {
            client: self.client.clone(),
            limiter: self.patch_limiter.clone(),
            allow,
            archive_url: url.clone(),
            download_size: listed.download_size,
            install_size: listed.install_size,
            list_url,
            list,
            container: self.paths.container(record.app.container_name()),
            folder: listed.id.folder_name(),
            scratch: scratch.into(),
        };
        let cancel = Arc::new(AtomicBool::new(false));
        let run = Arc::new(DeltaRun::default());
        let (flag, report, done, finished) = (
            cancel.clone(),
            run.clone(),
            self.install_done.clone(),
            key.clone(),
        );
        let task = tokio::spawn(async move {
            let received = Arc::new(std::sync::atomic::AtomicU64::new(0));
            let result = update(&request, flag, received.clone()).await;
            report
                .received
                .store(received.load(Ordering::Relaxed), Ordering::Relaxed);
            let result = match result {
                Ok(patched) => {
                    if let Ok(mut slot) = report.done.lock() {
                        *slot = Some((patched.reused, patched.fetched));
                    }
                    Ok(patched.installed)
                }
                Err(error) => Err(PackError::new(error.kind(), error.to_string())),
            };
            let _ = done.send(InstallDone { key: finished });
            result
        });
        let detail = format!(
            "version {from} to {}: fetching the file list, then only the files that changed",
            key.version
        );
        if let Some(entry) = self.pack_mut(&key.app, &key.pack) {
            entry.live.installing = Some(key.version);
            entry.live.delta = Some(key.version);
            entry.note("delta update", detail.clone());
        }
        self.installs.insert(
            slot,
            RunningInstall {
                key: key.clone(),
                cancel,
                task,
                delta: Some(run),
            },
        );
        self.emit(
            &key.app,
            Some(&key.pack),
            ManagerEventKind::Delta {
                detail,
                fell_back: false,
            },
        );
        true
    }

    /// Records the end of the delta update `key`.
    pub(super) fn finish_patch(
        &mut self,
        key: &DownloadKey,
        result: Result<Installed, PackError>,
        run: &DeltaRun,
    ) {
        self.dirty = true;
        self.views.pack_changed(&key.app, &key.pack);
        let received = run.received.load(Ordering::Relaxed);
        let Some(entry) = self.pack_mut(&key.app, &key.pack) else {
            return;
        };
        entry.live.installing = None;
        entry.live.delta = None;
        let listed = entry.observed.listed.clone();
        let (detail, fell_back) = match result {
            Ok(installed) => {
                let (reused, fetched) = run.done.lock().ok().and_then(|d| *d).unwrap_or_default();
                let size = listed.as_ref().map_or(0, |l| l.download_size);
                let detail = format!(
                    "version {}: fetched {received} bytes ({fetched} files fetched) instead of the \
                     {size}-byte archive, reused {reused} installed files",
                    key.version
                );
                entry.note("delta update", detail.clone());
                self.emit_delta(key, detail, false);
                let sha256 = listed.map(|l| l.sha256);
                self.record_installed(key, &installed, sha256);
                return;
            }
            Err(error) if error.kind == ErrorKind::Cancelled => {
                entry.note(
                    "delta update stopped",
                    "stopped before anything was swapped in: the installed version stays",
                );
                self.emit(
                    &key.app,
                    Some(&key.pack),
                    ManagerEventKind::InstallCancelled,
                );
                return;
            }
            Err(error) => (
                format!(
                    "version {}: {}; the whole archive is downloaded instead",
                    key.version, error.message
                ),
                true,
            ),
        };
        entry.live.delta_refused = Some(key.version);
        entry.note("delta refused", detail.clone());
        tracing::info!("{key}: {detail}");
        self.emit_delta(key, detail, fell_back);
    }

    fn emit_delta(&mut self, key: &DownloadKey, detail: String, fell_back: bool) {
        self.emit(
            &key.app,
            Some(&key.pack),
            ManagerEventKind::Delta { detail, fell_back },
        );
    }
}
