//! How a `bgassets download` run ended, for people and for `--json`: one report per URL, and
//! the exit: every file complete (the saved queue removed), or each failure with its code and
//! why, or the files that stopped before the end.

use std::path::{Path, PathBuf};

use anyhow::bail;
use serde::Serialize;

use crate::engine::{Download, DownloadState};
use crate::model::PackError;
use crate::model::size::format_bytes;

/// The `--json` report.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub url: String,
    /// The mirror the download ended on, when it is not `url` (`--mirror`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirror: Option<String>,
    pub path: PathBuf,
    pub priority: i64,
    pub state: &'static str,
    pub size: u64,
    pub sha256: Option<String>,
    pub attempts: u32,
    pub seconds: f64,
    pub error: Option<PackError>,
}

/// Says how it ended: every file complete (the saved queue removed), or which failed and why,
/// or which stopped before the end.
pub fn conclude(
    downloads: &[Download],
    reports: &[Report],
    state_file: &Path,
    quiet: bool,
) -> anyhow::Result<()> {
    let mut failed = Vec::new();
    let mut unfinished = Vec::new();
    for (download, report) in downloads.iter().zip(reports) {
        let destination = &download.request.destination;
        match &download.state {
            DownloadState::Finished if !quiet => eprintln!(
                "{}: {} in {:.1} s{}",
                destination.display(),
                format_bytes(report.size),
                report.seconds,
                report.mirror.as_ref().map_or(String::new(), |m| format!(
                    " (from the mirror {})",
                    crate::model::url_shown::shown_url_text(m)
                ))
            ),
            DownloadState::Finished => {}
            DownloadState::Failed { error } => {
                failed.push(format!(
                    "{}: {}",
                    crate::model::url_shown::shown_url(&download.request.url),
                    error.explain()
                ));
            }
            _ => unfinished.push(destination.display().to_string()),
        }
    }
    let resumable = downloads.iter().any(|d| {
        !matches!(d.state, DownloadState::Finished)
            && crate::store::atomic::partial_path(&d.request.destination).exists()
    });
    if !resumable && unfinished.is_empty() {
        // Nothing to resume: forget the saved queue.
        let _ = std::fs::remove_file(state_file);
    }
    if !failed.is_empty() {
        bail!("cannot download {}", failed.join("; "));
    }
    if !unfinished.is_empty() {
        bail!(
            "stopped before {} was complete; run the same command again to resume",
            unfinished.join(", ")
        );
    }
    Ok(())
}
