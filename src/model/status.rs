//! A pack's status: what is installed, what the server lists, and what is happening now. Apple's
//! `BAAssetPackStatus` flags are derived from it, never stored beside it; status-update events
//! (`began`, `paused`, `downloading(progress)`, `finished`, `failed(error)`) describe its changes.

use serde::{Deserialize, Serialize};

use super::PackError;

/// Bytes done out of a total, with the rate measured over the last seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Bytes received so far.
    pub bytes_done: u64,
    /// Bytes in all (0 when unknown).
    pub bytes_total: u64,
    /// Bytes per second, 0 when unknown.
    pub bytes_per_second: u64,
}

impl Progress {
    /// The fraction done, in 0.0..=1.0 (0 when the total is unknown).
    pub fn fraction(&self) -> f32 {
        if self.bytes_total == 0 {
            0.0
        } else {
            (self.bytes_done as f64 / self.bytes_total as f64).clamp(0.0, 1.0) as f32
        }
    }

    /// Seconds left at the current rate, if it is known.
    pub fn eta_seconds(&self) -> Option<u64> {
        (self.bytes_per_second > 0 && self.bytes_total >= self.bytes_done)
            .then(|| (self.bytes_total - self.bytes_done).div_ceil(self.bytes_per_second))
    }
}

/// What the manager is doing with a pack right now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum Activity {
    /// Nothing in progress.
    #[default]
    Idle,
    /// Waiting for a free download slot.
    Queued,
    /// Opening the connection, before the first byte.
    Connecting,
    /// Bytes are arriving.
    Downloading {
        /// Bytes done, the total and the rate.
        progress: Progress,
    },
    /// Stopped by a person or to make room; the partial file is kept.
    Paused {
        /// Bytes done when it stopped.
        progress: Progress,
    },
    /// Waiting before attempt `attempt` after a transient failure.
    #[serde(rename_all = "camelCase")]
    Retrying {
        /// The attempt about to be made.
        attempt: u32,
        /// Why the previous attempt failed.
        reason: PackError,
        /// How long the wait before it is.
        delay_ms: u64,
        /// Bytes done so far (kept in the partial file).
        progress: Progress,
    },
    /// Checking size and SHA-256.
    Verifying,
    /// Extracting into staging and swapping into the container.
    Installing,
    /// The app's downloader extension answered `shouldDownload: false` for this version.
    Vetoed {
        /// The extension, as people know it (its path, or "the running app").
        extension: String,
    },
    /// The last attempt failed for good.
    Failed {
        /// What went wrong.
        error: PackError,
    },
}

impl Activity {
    /// Whether work is under way or waiting its turn (queued to installing, retrying included).
    pub fn is_in_progress(&self) -> bool {
        matches!(
            self,
            Self::Queued
                | Self::Connecting
                | Self::Downloading { .. }
                | Self::Retrying { .. }
                | Self::Verifying
                | Self::Installing
        )
    }

    /// Whether the pack is paused.
    pub fn is_paused(&self) -> bool {
        matches!(self, Self::Paused { .. })
    }

    /// Whether the last attempt failed for good.
    pub fn is_failed(&self) -> bool {
        matches!(self, Self::Failed { .. })
    }

    /// The transfer's progress, when there is one.
    pub fn progress(&self) -> Option<Progress> {
        match self {
            Self::Downloading { progress }
            | Self::Paused { progress }
            | Self::Retrying { progress, .. } => Some(*progress),
            _ => None,
        }
    }
}

/// A pack's whole status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PackStatus {
    /// The installed version, if any.
    pub installed_version: Option<u64>,
    /// The version the server lists; `None` when the server no longer lists the pack.
    pub listed_version: Option<u64>,
    /// What is happening to the pack now.
    pub activity: Activity,
}

/// Apple's `BAAssetPackStatus` option set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct StatusFlags {
    /// Listed and not installed.
    pub download_available: bool,
    /// Out of date, and the update is not already under way.
    pub update_available: bool,
    /// The listed version is installed.
    pub up_to_date: bool,
    /// Installed, and a newer version is listed.
    pub out_of_date: bool,
    /// Installed but no longer listed.
    pub obsolete: bool,
    /// Queued, transferring, retrying, verifying or installing (not paused).
    pub downloading: bool,
    /// Some version is installed.
    pub downloaded: bool,
}

impl PackStatus {
    /// Whether a newer version than the installed one is listed.
    pub fn is_out_of_date(&self) -> bool {
        matches!((self.installed_version, self.listed_version), (Some(i), Some(l)) if l > i)
    }

    /// Whether the installed pack is no longer listed.
    pub fn is_obsolete(&self) -> bool {
        self.installed_version.is_some() && self.listed_version.is_none()
    }

    /// Whether the listed version is installed.
    pub fn is_up_to_date(&self) -> bool {
        matches!((self.installed_version, self.listed_version), (Some(i), Some(l)) if l <= i)
    }

    /// The derived flags:
    /// - `downloadAvailable`: listed and not installed;
    /// - `outOfDate`: installed, and a newer version is listed;
    /// - `updateAvailable`: out of date and the update is not already under way;
    /// - `upToDate`: the listed version is installed;
    /// - `obsolete`: installed but no longer listed;
    /// - `downloading`: queued, transferring, retrying, verifying or installing (not paused);
    /// - `downloaded`: some version is installed.
    pub fn flags(&self) -> StatusFlags {
        let downloading = self.activity.is_in_progress();
        StatusFlags {
            download_available: self.listed_version.is_some() && self.installed_version.is_none(),
            update_available: self.is_out_of_date() && !downloading,
            up_to_date: self.is_up_to_date(),
            out_of_date: self.is_out_of_date(),
            obsolete: self.is_obsolete(),
            downloading,
            downloaded: self.installed_version.is_some(),
        }
    }
}

/// An element of `statusUpdates(forAssetPackWithID:)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "update", rename_all = "camelCase")]
pub enum StatusUpdate {
    /// A download started.
    Began,
    /// The download was paused.
    Paused,
    /// Bytes arrived.
    Downloading {
        /// Bytes done, the total and the rate.
        progress: Progress,
    },
    /// Installed.
    Finished,
    /// Failed for good.
    Failed {
        /// What went wrong.
        error: PackError,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ErrorKind;

    fn status(installed: Option<u64>, listed: Option<u64>, activity: Activity) -> PackStatus {
        PackStatus {
            installed_version: installed,
            listed_version: listed,
            activity,
        }
    }

    #[test]
    fn flags_follow_versions_and_activity() {
        let available = status(None, Some(1), Activity::Idle).flags();
        assert!(available.download_available && !available.downloaded);

        let current = status(Some(2), Some(2), Activity::Idle).flags();
        assert!(current.up_to_date && current.downloaded && !current.out_of_date);

        let stale = status(Some(1), Some(2), Activity::Idle).flags();
        assert!(stale.out_of_date && stale.update_available && !stale.up_to_date);

        let updating = status(Some(1), Some(2), Activity::Queued).flags();
        assert!(updating.out_of_date && !updating.update_available && updating.downloading);

        let gone = status(Some(1), None, Activity::Idle).flags();
        assert!(gone.obsolete && gone.downloaded && !gone.download_available);

        let paused = status(
            None,
            Some(1),
            Activity::Paused {
                progress: Progress::default(),
            },
        );
        assert!(!paused.flags().downloading && paused.activity.is_paused());
    }

    #[test]
    fn progress_fraction_and_eta() {
        let p = Progress {
            bytes_done: 25,
            bytes_total: 100,
            bytes_per_second: 10,
        };
        assert_eq!(p.fraction(), 0.25);
        assert_eq!(p.eta_seconds(), Some(8));
        assert_eq!(Progress::default().fraction(), 0.0);
        assert_eq!(Progress::default().eta_seconds(), None);
    }

    #[test]
    fn states_serialize_with_camel_case_tags() {
        let failed = Activity::Failed {
            error: PackError::new(ErrorKind::ChecksumMismatch, "sha256 differs"),
        };
        let json = serde_json::to_value(&failed).unwrap();
        assert_eq!(json["state"], "failed");
        assert_eq!(json["error"]["kind"], "checksumMismatch");
        let update = serde_json::to_value(StatusUpdate::Began).unwrap();
        assert_eq!(update["update"], "began");
    }
}
