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
use crate::store::Paths;

/// `bgassets sync`'s arguments.
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
    failed: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PackLine {
    id: String,
    policy: &'static str,
    state: String,
    version: Option<u64>,
    bytes: u64,
    error: Option<String>,
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
        bail!(
            "{} pack(s) failed: {}",
            report.failed.len(),
            report.failed.join(", ")
        );
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
                format!("{:?}", p.activity)
            },
            version: p.installed_version,
            bytes: p.download_size,
            error: p.last_error.as_ref().map(|e| e.message.clone()),
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
            .filter(|p| p.wanted && p.activity.is_failed())
            .map(|p| p.id.clone())
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
        let error = pack
            .error
            .as_deref()
            .map(|e| format!("  ({e})"))
            .unwrap_or_default();
        println!(
            "  {:<24} {:<10} {:<12} {:>10}{error}",
            pack.id,
            pack.policy,
            pack.state,
            format_bytes(pack.bytes)
        );
    }
    println!(
        "launch ready: {}",
        if report.launch_ready { "yes" } else { "no" }
    );
}
