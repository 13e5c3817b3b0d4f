//! The sentences that say why a pack is in the state it shows, and why an app may launch or
//! not: what the window, `ctl status` and the socket give as `reason`.

use super::PauseSource;
use crate::manager::state::PackRecord;
use crate::model::{DownloadPolicy, PackError};

fn by(source: PauseSource) -> &'static str {
    match source {
        PauseSource::Pack => "paused by you",
        PauseSource::App => "paused by you with the rest of its app",
        PauseSource::All => "paused by you with everything (Pause all)",
    }
}

/// Paused in the engine by the user.
pub fn paused(source: Option<PauseSource>) -> String {
    format!(
        "{}; the partial download is kept; Resume continues it",
        by(source.unwrap_or(PauseSource::Pack))
    )
}

/// Due while paused: it starts when resumed.
pub fn paused_before_start(source: PauseSource) -> String {
    format!("{} before it started; Resume starts it", by(source))
}

/// The engine is resuming it.
pub fn resuming() -> String {
    "resumed; waiting for a download slot".into()
}

/// A download of a newer version than the manifest lists is kept.
pub fn newer_than_listed(downloaded: u64, listed: u64) -> String {
    format!(
        "version {downloaded} is downloaded or downloading, but the manifest lists {listed}; waiting for the next manifest check"
    )
}

/// Queued in the engine.
pub fn waiting_for_slot() -> String {
    "waiting for a download slot".into()
}

/// Why a queued download waits, as the engine says ([`Wait`](crate::engine::Wait)).
pub fn waiting(wait: &crate::engine::Wait) -> String {
    match wait {
        crate::engine::Wait::Slot => waiting_for_slot(),
        crate::engine::Wait::Host { host, limit } => {
            format!("waiting for a connection to {host}: it is at the limit of {limit} per server")
        }
    }
}

/// Preempted by an essential or top-priority download.
pub fn preempted() -> String {
    "gave its slot to an essential or top-priority download; continues by itself when a slot frees"
        .into()
}

/// Waiting behind the app's essential packs.
pub fn behind_essentials(essentials: &[String]) -> String {
    format!(
        "starts once the app's essential packs are in: {}",
        essentials.join(", ")
    )
}

/// Waiting for the app's downloader extension to answer `shouldDownload`.
pub fn asking_extension(extension: &str) -> String {
    format!("asking the app's downloader extension ({extension}) whether to download it")
}

/// The app's downloader extension said no.
pub fn vetoed(extension: &str) -> String {
    format!(
        "vetoed by the app's downloader extension ({extension}); Download (or the app asking) asks it again"
    )
}

/// Opening the connection.
pub fn connecting(url: &url::Url, attempt: u32) -> String {
    format!(
        "connecting to {} (attempt {attempt})",
        url.host_str().unwrap_or("the server")
    )
}

/// Bytes arriving.
pub fn downloading(version: u64, installed: Option<u64>) -> String {
    match installed {
        Some(old) => {
            format!("downloading the update to version {version} (version {old} installed)")
        }
        None => format!("downloading version {version}"),
    }
}

/// Checking the bytes.
pub fn verifying() -> String {
    "checking size and SHA-256".into()
}

/// Waiting before another attempt.
pub fn retrying(reason: &PackError, attempt: u32, delay_ms: u64) -> String {
    format!(
        "{}; retrying in {} s (attempt {attempt})",
        reason.message,
        delay_ms.div_ceil(1000)
    )
}

/// Installing (or stopping an install no longer wanted).
pub fn installing(version: u64, cancelling: bool) -> String {
    if cancelling {
        format!("stopping the install of version {version}: the pack was removed")
    } else {
        format!("installing version {version}")
    }
}

/// A delta update to `version` runs (or is being stopped).
pub fn patching(version: u64, removed: bool, paused: bool) -> String {
    if removed {
        format!("stopping the delta update to version {version}: the pack was removed")
    } else if paused {
        format!("stopping the delta update to version {version}: paused")
    } else {
        format!(
            "updating to version {version} by delta: fetching only the changed files, reusing \
             the unchanged installed ones"
        )
    }
}

/// Failed for good.
pub fn failed(error: &PackError) -> String {
    format!(
        "failed: {} — {}; Resume (or the app asking again) tries again",
        kind_name(error),
        error.message
    )
}

fn kind_name(error: &PackError) -> String {
    serde_json::to_value(error.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{:?}", error.kind))
}

/// Installed and current.
pub fn installed(version: u64) -> String {
    format!("version {version} installed")
}

/// Installed but no longer listed.
pub fn obsolete(version: u64) -> String {
    format!(
        "version {version} installed, but the manifest no longer lists it (obsolete); removing it frees its space"
    )
}

/// Installed files about to be deleted.
pub fn removing() -> String {
    "removed: its files are being deleted".into()
}

/// Not listed, nothing installed.
pub fn unlisted() -> String {
    "no longer in the manifest".into()
}

/// Another language variant of its group is the one for the preferred languages.
pub fn other_variant(chosen: &str) -> String {
    format!("another language variant (`{chosen}`) is the one for your languages")
}

/// Listed, not asked for.
pub fn not_wanted(policy: DownloadPolicy, pack: &PackRecord, _id: &str) -> String {
    let removed = pack.intent.policy_seen.is_some() && !matches!(policy, DownloadPolicy::OnDemand);
    match policy {
        DownloadPolicy::OnDemand => "on demand: downloads when the app or you ask for it".into(),
        _ if removed && pack.observed.timeline.iter().any(|t| t.what == "removed") => {
            "removed; downloads again when the app or you ask for it".into()
        }
        _ => format!(
            "{}: not for this installation event; downloads when the app or you ask for it",
            policy.name()
        ),
    }
}

/// Why the app may launch or not.
pub fn launch(
    manifest_known: bool,
    manifest_error: Option<&PackError>,
    waiting: &[String],
    failed: &[String],
) -> String {
    if !manifest_known {
        return match manifest_error {
            Some(error) => format!(
                "not ready: the manifest could not be read ({}), so its essential packs are not known",
                error.message
            ),
            None => "not ready: the manifest has not been read yet".into(),
        };
    }
    if !waiting.is_empty() {
        return format!(
            "not ready: waiting for essential packs {}",
            waiting.join(", ")
        );
    }
    if failed.is_empty() {
        "ready: every essential pack is installed".into()
    } else {
        format!(
            "ready without essential packs that failed: {}",
            failed.join(", ")
        )
    }
}
