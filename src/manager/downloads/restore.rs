//! After a restart, or when the engine's event stream lagged: apps' own downloads meet the
//! engine's queue again. What the engine still has continues (a partial file resumes with
//! `Range`) and shows what it is doing, what it lost is handed to it again, and what it has that
//! no record wants is let go. Part of the actor.

use super::{AppDownloadRecord, AppDownloadState};
use crate::engine::{self, DownloadState};
use crate::manager::actor::Actor;
use crate::manager::key::AppDownloadKey;
use crate::manager::plan::shown;
use crate::model::{ErrorKind, PackError, Progress};

impl Actor {
    /// After a restart (or a lagged event stream): every record that is not over meets the
    /// engine's download again.
    pub(in crate::manager) async fn restore_app_downloads(&mut self, snapshot: &engine::Snapshot) {
        let mut wanted = std::collections::HashSet::new();
        let live: Vec<(String, AppDownloadRecord)> = self
            .state
            .apps
            .iter()
            .flat_map(|(app, r)| r.downloads.values().map(move |d| (app.clone(), d.clone())))
            .filter(|(_, d)| !d.state.is_over())
            .collect();
        for (app, download) in live {
            let key = AppDownloadKey::new(&app, download.spec.identifier.clone());
            wanted.insert(key.id());
            let Some(found) = snapshot.get(&key.id()) else {
                // The engine lost it (a crash before its queue was saved): handed over again.
                if let Some(request) = self.app_download_request(&app, &download)
                    && let Err(error) = self.downloads.enqueue(request).await
                {
                    let error = PackError::new(error.kind(), error.to_string());
                    self.end_app_download(&key, AppDownloadState::Failed { error })
                        .await;
                }
                continue;
            };
            match &found.state {
                DownloadState::Finished => self.finish_app_download(&key).await,
                DownloadState::Failed { error } if error.kind != ErrorKind::DiskFull => {
                    self.fail_app_download(&key, error.clone()).await;
                }
                DownloadState::Cancelled => {
                    let error = PackError::new(ErrorKind::Cancelled, "cancelled in the engine");
                    self.end_app_download(&key, AppDownloadState::Failed { error })
                        .await;
                }
                state => {
                    let progress = Progress {
                        bytes_done: found.bytes_done,
                        bytes_total: found.bytes_total.unwrap_or(0),
                        bytes_per_second: 0,
                    };
                    if let Some(d) = self.app_download_mut(&app, key.identifier.as_str()) {
                        d.progress = Some(progress);
                        d.state = match state.is_active() {
                            true => AppDownloadState::Downloading,
                            false => AppDownloadState::Waiting,
                        };
                        // `Waiting` is told only when the reason changes: one lost in the lag
                        // is taken from the snapshot.
                        if *state == DownloadState::Queued {
                            d.detail = Some(shown::waiting(&found.wait));
                        }
                    }
                    self.views.downloads_changed(&app);
                }
            }
        }
        for download in &snapshot.downloads {
            if let Ok(key) = download.request.id.parse::<AppDownloadKey>()
                && !wanted.contains(&key.id())
            {
                let finished = matches!(download.state, DownloadState::Finished);
                self.let_go(&key, finished).await;
            }
        }
    }
}
