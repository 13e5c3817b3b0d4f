//! An app's own downloads (Apple's `BADownloadManager`), on [`AssetPackManager`]: schedule a
//! URL, list, cancel, start one in the foreground, and take exclusive control of the queue for
//! a while. Files land in the app's container, `Background Downloads/IDENTIFIER`; progress comes
//! as `downloadStatus` events (`docs/protocol.md`).
//!
//! | Apple | here |
//! |---|---|
//! | `scheduleDownload(_:)` | [`AssetPackManager::schedule_download`] |
//! | `fetchCurrentDownloads()` | [`AssetPackManager::current_downloads`] |
//! | `cancel(_:)` | [`AssetPackManager::cancel_download`] |
//! | `startForegroundDownload(_:)` | [`AssetPackManager::start_foreground_download`] |
//! | `withExclusiveControl(_:)` | [`AssetPackManager::with_exclusive_control`] |

use std::future::Future;
use std::time::Duration;

use super::{AssetPackManager, ClientError};
use crate::manager::api::AppDownloadApi;
use crate::manager::downloads::AppDownloadView;
use crate::model::DownloadSpec;

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

impl AssetPackManager {
    /// Schedules a download of the app's own (`scheduleDownload`): its view, waiting.
    pub async fn schedule_download(
        &self,
        download: DownloadSpec,
    ) -> Result<AppDownloadView, ClientError> {
        self.connection()
            .schedule_download(self.app(), download, None)
            .await
            .map_err(|e| ClientError::from_call(e, None, None))
    }

    /// The app's downloads, waiting, running, finished or failed.
    pub async fn current_downloads(&self) -> Result<Vec<AppDownloadView>, ClientError> {
        self.connection()
            .current_downloads(self.app())
            .await
            .map_err(|e| ClientError::from_call(e, None, None))
    }

    /// Cancels and forgets download `identifier` (its partial file is deleted; a finished
    /// file stays in the container).
    pub async fn cancel_download(&self, identifier: &str) -> Result<(), ClientError> {
        self.connection()
            .cancel_download(self.app(), identifier, None)
            .await
            .map_err(|e| ClientError::from_call(e, None, None))
    }

    /// Schedules the download if needed and moves it ahead of background work.
    pub async fn start_foreground_download(
        &self,
        download: DownloadSpec,
    ) -> Result<AppDownloadView, ClientError> {
        self.connection()
            .start_foreground_download(self.app(), download, None)
            .await
            .map_err(|e| ClientError::from_call(e, None, None))
    }

    /// Runs `work` while holding the app's exclusive control of its downloads: waits up to
    /// `wait` (at most 30 s) for another holder (the app's extension, another process of the
    /// app), holds it at most `hold` (at most 60 s), and releases it after `work`. Queue
    /// changes `work` makes on this manager pass; anyone else's wait. Fails `downloadsLocked`
    /// when the wait runs out.
    pub async fn with_exclusive_control<T, F, Fut>(
        &self,
        wait: Duration,
        hold: Duration,
        work: F,
    ) -> Result<T, ClientError>
    where
        F: FnOnce(AssetPackManager) -> Fut,
        Fut: Future<Output = T>,
    {
        let lease = self
            .connection()
            .acquire_exclusive_control(self.app(), millis(wait), millis(hold))
            .await
            .map_err(|e| ClientError::from_call(e, None, None))?;
        let result = work(self.clone()).await;
        // A lease whose time ran out is already released: nothing to undo.
        let _ = self
            .connection()
            .release_exclusive_control(self.app(), lease.lease)
            .await;
        Ok(result)
    }
}
