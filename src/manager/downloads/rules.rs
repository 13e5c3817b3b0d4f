//! The rules a new app download passes before it reaches the engine, as pure functions: who may
//! schedule an essential download, one live download per identifier, the app's allow list and
//! HTTPS rule (the same as its packs'), and `BADownloadAllowance` for what is scheduled during
//! the app's first installation. And the essential downloads launch readiness waits for.

use super::{AppDownloadRecord, AppDownloadState, Scheduler};
use crate::manager::api::ApiError;
use crate::manager::state::{AppRecord, ManagerState};
use crate::model::{DownloadSpec, ErrorKind, InstallationEvent};

/// The most downloads an app keeps (live or over; cancelling one forgets it): an app or an
/// extension answering 256 new identifiers every period cannot grow the state without bound.
pub const MAX_APP_DOWNLOADS: usize = 1024;

/// Checks `spec`, scheduled by `by` for the app of `record`; the refusal carries Apple's code
/// and names the download, the host or the allowance.
pub fn check_new(
    record: &AppRecord,
    spec: &DownloadSpec,
    by: Scheduler,
    insecure_hosts: &[String],
) -> Result<(), ApiError> {
    let app = record.app.bundle_id.as_str();
    let id = &spec.identifier;
    spec.check()
        .map_err(|m| ApiError::new(ErrorKind::DownloadInvalid, m))?;
    let may_be_essential =
        matches!(by, Scheduler::Extension { content } if content.allows_essential());
    if spec.essential && !may_be_essential {
        return Err(ApiError::new(
            ErrorKind::DownloadEssentialDownloadNotPermitted,
            format!(
                "download `{id}` of `{app}` is essential: only the app's downloader extension may \
                 schedule an essential download, in its answer to an install or update content \
                 request; schedule it as non-essential"
            ),
        ));
    }
    if let Some(existing) = record.downloads.get(id.as_str())
        && !existing.state.is_over()
    {
        return Err(ApiError::new(
            ErrorKind::DownloadAlreadyScheduled,
            format!(
                "`{app}` already has download `{id}` {}; cancel it first or choose another identifier",
                existing.state.name()
            ),
        ));
    }
    if record.downloads.len() >= MAX_APP_DOWNLOADS && !record.downloads.contains_key(id.as_str()) {
        return Err(ApiError::new(
            ErrorKind::DownloadFailedToStart,
            format!(
                "download `{id}` of `{app}` is refused: the app keeps {} downloads, at most \
                 {MAX_APP_DOWNLOADS}; cancel finished or failed ones (their files stay) first",
                record.downloads.len()
            ),
        ));
    }
    crate::manager::fetch::check_url(&record.app, &spec.url, insecure_hosts)
        .map_err(|e| ApiError::new(e.kind, format!("download `{id}`: {}", e.message)))?;
    check_allowance(record, spec)
}

/// `BADownloadAllowance` (and `BAEssentialDownloadAllowance` for an essential download) caps
/// the expected sizes of the app downloads scheduled while the app is in its first
/// installation; failed ones do not count, nor does the identifier being scheduled again. A
/// download with no expected size reserves all that is left ([`reservation`]), and the engine
/// lets it write no more: it needs a byte left, and the next one finds none.
pub fn check_allowance(record: &AppRecord, spec: &DownloadSpec) -> Result<(), ApiError> {
    if record.event != InstallationEvent::FirstInstallation {
        return Ok(());
    }
    let restrictions = &record.app.restrictions;
    let others = record.downloads.iter().filter(|(id, d)| {
        id.as_str() != spec.identifier.as_str()
            && !matches!(d.state, AppDownloadState::Failed { .. })
    });
    // Unknown, it counts one byte here: it must find at least that left.
    let size = spec.expected_size.unwrap_or(1);
    let (mut all, mut essential) = (size, if spec.essential { size } else { 0 });
    for (_, other) in others {
        let size = counted(other);
        all = all.saturating_add(size);
        if other.spec.essential {
            essential = essential.saturating_add(size);
        }
    }
    let checks = [
        (restrictions.download_allowance, all, "BADownloadAllowance"),
        (
            restrictions
                .essential_download_allowance
                .filter(|_| spec.essential),
            essential,
            "BAEssentialDownloadAllowance",
        ),
    ];
    for (allowance, total, name) in checks {
        if let Some(allowance) = allowance
            && total > allowance
        {
            return Err(ApiError::new(
                ErrorKind::DownloadWouldExceedAllowance,
                format!(
                    "download `{}` of `{}` would bring the app's downloads during its first \
                     installation to {total} bytes, over {name} ({allowance} bytes)",
                    spec.identifier, record.app.bundle_id
                ),
            ));
        }
    }
    Ok(())
}

/// What is left of `BADownloadAllowance` and `BAEssentialDownloadAllowance` for app downloads
/// (during the first installation; no bound after it, or without the key), as a content
/// request tells the extension: the expected sizes of the app's downloads that did not fail
/// are taken off.
pub fn allowance_left(record: &AppRecord) -> crate::extension::message::Allowance {
    let first = record.event == InstallationEvent::FirstInstallation;
    let restrictions = &record.app.restrictions;
    let (mut all, mut essential) = (0u64, 0u64);
    for download in record
        .downloads
        .values()
        .filter(|d| !matches!(d.state, AppDownloadState::Failed { .. }))
    {
        let size = counted(download);
        all = all.saturating_add(size);
        if download.spec.essential {
            essential = essential.saturating_add(size);
        }
    }
    crate::extension::message::Allowance {
        download_bytes_left: restrictions
            .download_allowance
            .filter(|_| first)
            .map(|a| a.saturating_sub(all)),
        essential_bytes_left: restrictions
            .essential_download_allowance
            .filter(|_| first)
            .map(|a| a.saturating_sub(essential)),
    }
}

/// What a download counts against the allowance: its expected size, else what it reserved.
fn counted(download: &AppDownloadRecord) -> u64 {
    download
        .spec
        .expected_size
        .or(download.reserved)
        .unwrap_or(0)
}

/// What a new download of unknown size reserves of the allowance: all that is left (of the
/// essential allowance too, for an essential one); `None` when no allowance applies.
pub fn reservation(record: &AppRecord, spec: &DownloadSpec) -> Option<u64> {
    if spec.expected_size.is_some() {
        return None;
    }
    let left = allowance_left(record);
    let essential = left.essential_bytes_left.filter(|_| spec.essential);
    match (left.download_bytes_left, essential) {
        (Some(a), Some(e)) => Some(a.min(e)),
        (a, e) => a.or(e),
    }
}

/// Whether a person's pause holds the app's own downloads: the app's pause (or resume), else
/// "pause all". A single pack's pause does not reach them.
pub fn is_paused(state: &ManagerState, record: &AppRecord) -> bool {
    record.paused.unwrap_or(state.paused_all)
}

/// The app's essential downloads launch readiness waits for (`download:IDENTIFIER`, still to
/// come) and those that failed (the app launches without them, as with essential packs).
pub fn essential_launch(record: &AppRecord) -> (Vec<String>, Vec<String>) {
    let mut waiting = Vec::new();
    let mut failed = Vec::new();
    for (id, download) in record.downloads.iter().filter(|(_, d)| d.spec.essential) {
        let name = format!("download:{id}");
        match download.state {
            AppDownloadState::Finished { .. } => {}
            AppDownloadState::Failed { .. } => failed.push(name),
            AppDownloadState::Waiting | AppDownloadState::Downloading => waiting.push(name),
        }
    }
    (waiting, failed)
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
