//! [`AppDownloadApi`]: the typed verbs of apps' own downloads (`BADownloadManager`) and their
//! exclusive control, for every [`ManagerApi`] (the in-process handle and the socket's
//! connection alike), kept apart from the packs' verbs.

use std::future::Future;

use super::calls::ask;
use super::{LeaseView, ManagerApi, Request, Response};
use crate::manager::downloads::AppDownloadView;
use crate::model::DownloadSpec;

/// Asks the manager about an app's own downloads, verb by verb, for typed results.
pub trait AppDownloadApi: ManagerApi {
    /// Schedules `app`'s own download (`scheduleDownload`); `lease` is the caller's
    /// exclusive-control lease, if it holds one.
    fn schedule_download(
        &self,
        app: &str,
        download: DownloadSpec,
        lease: Option<u64>,
    ) -> impl Future<Output = Result<AppDownloadView, Self::Error>> + Send {
        let request = Request::ScheduleDownload {
            app: app.into(),
            download: Box::new(download),
            lease,
        };
        ask(self, request, |r| match r {
            Response::ScheduleDownload(view) => Ok(*view),
            other => Err(other),
        })
    }

    /// `app`'s own downloads (`currentDownloads`).
    fn current_downloads(
        &self,
        app: &str,
    ) -> impl Future<Output = Result<Vec<AppDownloadView>, Self::Error>> + Send {
        let request = Request::CurrentDownloads { app: app.into() };
        ask(self, request, |r| match r {
            Response::CurrentDownloads(views) => Ok(views),
            other => Err(other),
        })
    }

    /// Cancels and forgets `app`'s download `identifier` (`cancelDownload`).
    fn cancel_download(
        &self,
        app: &str,
        identifier: &str,
        lease: Option<u64>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send {
        let request = Request::CancelDownload {
            app: app.into(),
            identifier: identifier.into(),
            lease,
        };
        ask(self, request, |r| match r {
            Response::CancelDownload => Ok(()),
            other => Err(other),
        })
    }

    /// Schedules the download if needed and moves it to the foreground band
    /// (`startForegroundDownload`).
    fn start_foreground_download(
        &self,
        app: &str,
        download: DownloadSpec,
        lease: Option<u64>,
    ) -> impl Future<Output = Result<AppDownloadView, Self::Error>> + Send {
        let request = Request::StartForegroundDownload {
            app: app.into(),
            download: Box::new(download),
            lease,
        };
        ask(self, request, |r| match r {
            Response::StartForegroundDownload(view) => Ok(*view),
            other => Err(other),
        })
    }

    /// Takes `app`'s exclusive control of its downloads, waiting up to `wait_ms` for another
    /// holder; it ends after `hold_ms` at most (`acquireExclusiveControl`).
    fn acquire_exclusive_control(
        &self,
        app: &str,
        wait_ms: u64,
        hold_ms: u64,
    ) -> impl Future<Output = Result<LeaseView, Self::Error>> + Send {
        let request = Request::AcquireExclusiveControl {
            app: app.into(),
            wait_ms,
            hold_ms,
        };
        ask(self, request, |r| match r {
            Response::AcquireExclusiveControl(lease) => Ok(lease),
            other => Err(other),
        })
    }

    /// Ends the exclusive-control lease `lease` of `app` (`releaseExclusiveControl`).
    fn release_exclusive_control(
        &self,
        app: &str,
        lease: u64,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send {
        let request = Request::ReleaseExclusiveControl {
            app: app.into(),
            lease,
        };
        ask(self, request, |r| match r {
            Response::ReleaseExclusiveControl => Ok(()),
            other => Err(other),
        })
    }
}

impl<T: ManagerApi + ?Sized> AppDownloadApi for T {}
