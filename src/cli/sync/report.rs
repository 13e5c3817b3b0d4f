//! `bgassets sync`'s report: what it prints for people (each pack's state as a sentence, a
//! failure with its code and why) and for `--json`. Pure functions of the status document.

use std::path::PathBuf;

use serde::Serialize;

use crate::manager::view::{AppView, PackView};
use crate::model::size::format_bytes;
use crate::model::{Activity, PackError};

/// The report.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub app: String,
    pub data_dir: PathBuf,
    /// The whole run, start to exit.
    pub seconds: f64,
    /// Until every wanted pack was installed or failed: `seconds` less the shutdown, which
    /// waits for replaced versions to be deleted (`install::RETIRE_AFTER` after their swap).
    pub ready_seconds: f64,
    pub launch_ready: bool,
    pub bytes_downloaded: u64,
    pub packs: Vec<PackLine>,
    /// The wanted packs that failed for good, each with why.
    pub failed: Vec<FailedPack>,
}

/// A pack that failed, with its error.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FailedPack {
    pub id: String,
    pub error: PackError,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PackLine {
    pub id: String,
    pub policy: &'static str,
    /// A few words: `installed`, `failed`, `queued`… (as `ctl status` shows them).
    pub state: String,
    pub version: Option<u64>,
    pub bytes: u64,
    /// The pack's last error: why it failed, or what its last attempt met.
    pub error: Option<PackError>,
}

/// The report of `app`'s sync into `data_dir`, which took `seconds`, `ready_seconds` of them
/// until every wanted pack was installed or failed.
pub fn report(app: &AppView, data_dir: PathBuf, seconds: f64, ready_seconds: f64) -> Report {
    let packs: Vec<PackLine> = app
        .packs
        .iter()
        .filter(|p| p.wanted || p.installed_version.is_some())
        .map(|p| PackLine {
            id: p.id.clone(),
            policy: p.policy.name(),
            state: if p.flags.up_to_date {
                "installed".into()
            } else {
                short_state(p)
            },
            version: p.installed_version,
            bytes: p.download_size,
            error: pack_error(p).cloned(),
        })
        .collect();
    Report {
        app: app.bundle_id.clone(),
        data_dir,
        seconds,
        ready_seconds,
        launch_ready: app.launch_ready,
        bytes_downloaded: packs
            .iter()
            .filter(|p| p.version.is_some())
            .map(|p| p.bytes)
            .sum(),
        failed: app
            .packs
            .iter()
            .filter(|p| p.wanted)
            .filter_map(|p| match &p.activity {
                Activity::Failed { error } => Some(FailedPack {
                    id: p.id.clone(),
                    error: error.clone(),
                }),
                _ => None,
            })
            .collect(),
        packs,
    }
}

/// Prints the report for people: one line a pack, its state in words.
pub fn print_report(report: &Report) {
    println!(
        "{}: {} packs in {:.1} s, {} downloaded",
        report.app,
        report.packs.len(),
        report.seconds,
        format_bytes(report.bytes_downloaded)
    );
    for pack in &report.packs {
        println!(
            "  {:<24} {:<10} {:>10}  {}",
            pack.id,
            pack.policy,
            format_bytes(pack.bytes),
            state_sentence(pack)
        );
    }
    println!(
        "launch ready: {}",
        if report.launch_ready { "yes" } else { "no" }
    );
}

/// The state in a few words, as `ctl status` shows it (`failed: diskFull`, `queued`…).
fn short_state(pack: &PackView) -> String {
    crate::cli::words::pack_state(pack)
}

/// The error that explains a pack's state: the one it failed with, else its last one.
fn pack_error(pack: &PackView) -> Option<&PackError> {
    match &pack.activity {
        Activity::Failed { error } => Some(error),
        _ => pack.last_error.as_ref(),
    }
}

/// A report line's state as a person reads it: `installed (version 2)`, `failed:
/// installSizeExceeded — pack Music would bring …`, `queued (last error: network — …)`.
fn state_sentence(pack: &PackLine) -> String {
    let mut sentence = match (pack.state.as_str(), pack.version) {
        ("installed", Some(version)) => format!("installed (version {version})"),
        (state, _) => state.split(':').next().unwrap_or(state).to_string(),
    };
    match (&pack.error, sentence.as_str()) {
        (Some(error), "failed") => sentence = format!("failed: {}", error.explain()),
        (Some(error), state) if state != "installed" && !state.starts_with("installed ") => {
            sentence.push_str(&format!(" (last error: {})", error.explain()));
        }
        _ => {}
    }
    sentence
}

/// The error line of a sync where packs failed: each one with its code and why.
pub fn failure_line(failed: &[FailedPack]) -> String {
    let reasons: Vec<String> = failed
        .iter()
        .map(|f| format!("{} ({})", f.id, f.error.explain()))
        .collect();
    format!("{} pack(s) failed: {}", failed.len(), reasons.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ErrorKind;

    fn line(state: &str, version: Option<u64>, error: Option<PackError>) -> PackLine {
        PackLine {
            id: "Music".into(),
            policy: "prefetch",
            state: state.into(),
            version,
            bytes: 300_000,
            error,
        }
    }

    #[test]
    fn sync_report_names_the_error_in_words() {
        let error = PackError::new(
            ErrorKind::InstallSizeExceeded,
            "pack Music would bring the app to 300 kB, over BAMaxInstallSize (1 kB)",
        );
        let sentence = state_sentence(&line("failed: installSizeExceeded", None, Some(error)));
        assert_eq!(
            sentence,
            "failed: installSizeExceeded — pack Music would bring the app to 300 kB, over \
             BAMaxInstallSize (1 kB)"
        );
        assert!(
            !sentence.contains('{'),
            "no Rust debug structure: {sentence}"
        );
        assert_eq!(
            state_sentence(&line("installed", Some(2), None)),
            "installed (version 2)"
        );
        let transient = PackError::new(ErrorKind::Network, "connection reset");
        assert_eq!(
            state_sentence(&line("retrying (attempt 2)", None, Some(transient))),
            "retrying (attempt 2) (last error: network — connection reset)"
        );
    }

    #[test]
    fn a_failed_sync_says_why_each_pack_failed() {
        let failed = [
            FailedPack {
                id: "Tutorial".into(),
                error: PackError::new(
                    ErrorKind::ChecksumMismatch,
                    "Tutorial@1.zip: sha256 differs",
                ),
            },
            FailedPack {
                id: "Music".into(),
                error: PackError::new(ErrorKind::DiskFull, "no space left"),
            },
        ];
        assert_eq!(
            failure_line(&failed),
            "2 pack(s) failed: Tutorial (checksumMismatch — Tutorial@1.zip: sha256 differs); \
             Music (diskFull — no space left)"
        );
    }
}
