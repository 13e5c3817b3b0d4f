//! `bgassets sync PATH`: a one-shot install, as a CI job or a benchmark runs it: register the app
//! in a data dir (the given one, or a temporary one), download and install what its policies ask
//! for at first installation, print a report and exit non-zero if anything failed.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use serde::Serialize;
use tokio::sync::broadcast::error::RecvError;

use crate::manager::api::Request;
use crate::manager::view::{AppView, PackView};
use crate::manager::{Manager, ManagerConfig, ManagerHandle};
use crate::model::size::format_bytes;
use crate::model::{Activity, PackError};
use crate::store::Paths;

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The app's Info.plist, or a folder holding one.
    pub path: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Allow plain HTTP to this host (besides loopback), for testing. Repeatable.
    #[arg(long = "allow-insecure-host", value_name = "HOST")]
    pub insecure_hosts: Vec<String>,
    /// A PEM certificate to trust (e.g. the one `bgassets serve --tls` prints). Repeatable.
    #[arg(long, value_name = "PEM")]
    pub cacert: Vec<PathBuf>,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 3600)]
    pub timeout: u64,
}

/// The report.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    app: String,
    data_dir: PathBuf,
    seconds: f64,
    launch_ready: bool,
    bytes_downloaded: u64,
    packs: Vec<PackLine>,
    /// The wanted packs that failed for good, each with why.
    failed: Vec<FailedPack>,
}

/// A pack that failed, with its error.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct FailedPack {
    id: String,
    error: PackError,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PackLine {
    id: String,
    policy: &'static str,
    /// A few words: `installed`, `failed`, `queued`… (as `ctl status` shows them).
    state: String,
    version: Option<u64>,
    bytes: u64,
    /// The pack's last error: why it failed, or what its last attempt met.
    error: Option<PackError>,
}

/// Runs the sync.
pub fn run(args: SyncArgs, data_dir: Option<PathBuf>) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(sync(args, data_dir))
}

async fn sync(args: SyncArgs, data_dir: Option<PathBuf>) -> anyhow::Result<()> {
    let scratch;
    let data_dir = match data_dir {
        Some(dir) => dir,
        None => {
            scratch = tempfile::Builder::new()
                .prefix("bgassets-sync-")
                .tempdir()?;
            scratch.path().to_path_buf()
        }
    };
    let mut config = ManagerConfig::new(Paths::under(&data_dir));
    config.insecure_hosts = args.insecure_hosts.clone();
    config.extra_root_certificates = args.cacert.clone();
    config.watch_interval = Duration::from_secs(3600);
    let started = Instant::now();
    let manager = Manager::start(config)
        .await
        .context("cannot start the manager")?;
    let handle = manager.handle();
    let result = tokio::time::timeout(
        Duration::from_secs(args.timeout),
        install(&handle, &args.path),
    )
    .await;
    let app = match result {
        Ok(app) => app,
        Err(_) => Err(anyhow::anyhow!("gave up after {} s", args.timeout)),
    };
    manager.shutdown().await;
    let app = app?;
    let report = report(&app, data_dir, started.elapsed().as_secs_f64());
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report);
    }
    if !report.failed.is_empty() {
        bail!("{}", failure_line(&report.failed));
    }
    Ok(())
}

/// Registers the app and waits until every pack its first installation wants is installed or
/// failed.
async fn install(handle: &ManagerHandle, path: &std::path::Path) -> anyhow::Result<AppView> {
    let mut events = handle.subscribe();
    let registered = handle
        .call(Request::Register {
            path: path.to_path_buf(),
        })
        .await
        .with_context(|| format!("cannot register {}", path.display()))?;
    let bundle_id = registered["bundleId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    loop {
        let document = handle.status().await?;
        let app = document
            .app(&bundle_id)
            .context("the app disappeared")?
            .clone();
        if let Some(error) = &app.manifest_error {
            bail!("{}: {error}", app.manifest_url);
        }
        let settled = |p: &PackView| !p.wanted || p.flags.up_to_date || p.activity.is_failed();
        if app.last_checked_ms.is_some() && app.packs.iter().all(settled) {
            return Ok(app);
        }
        match events.recv().await {
            Ok(_) | Err(RecvError::Lagged(_)) => {}
            Err(RecvError::Closed) => bail!("the manager stopped"),
        }
    }
}

fn report(app: &AppView, data_dir: PathBuf, seconds: f64) -> Report {
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

fn print_report(report: &Report) {
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
    super::words::pack_state(pack)
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
fn failure_line(failed: &[FailedPack]) -> String {
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
