//! `bgassets sync PATH`: a one-shot install, as a CI job or a benchmark runs it: register the app
//! in a data dir (the given one, or a temporary one), download and install what its policies ask
//! for at first installation, print a report (`sync/report.rs`) and exit non-zero if anything failed,
//! naming each failed pack's error code and reason.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use tokio::sync::broadcast::error::RecvError;

use crate::manager::api::ManagerApi;
use crate::manager::view::{AppView, PackView};
use crate::manager::{Manager, ManagerConfig, ManagerHandle};
use crate::store::Paths;
use report::{failure_line, print_report, report};

mod report;

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
    let ready = started.elapsed().as_secs_f64();
    let app = match result {
        Ok(app) => app,
        Err(_) => Err(anyhow::anyhow!("gave up after {} s", args.timeout)),
    };
    manager.shutdown().await;
    let app = app?;
    let report = report(&app, data_dir, started.elapsed().as_secs_f64(), ready);
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

/// Registers the app and waits until its manifest was checked in this run and every pack its
/// policies want is installed (at the listed version) or failed. A data dir that already holds
/// the app has a check of an earlier run: waiting for that one would report the old state.
async fn install(handle: &ManagerHandle, path: &std::path::Path) -> anyhow::Result<AppView> {
    let since = crate::manager::state::now_ms();
    let mut events = handle.subscribe();
    let bundle_id = handle
        .register(path)
        .await
        .with_context(|| format!("cannot register {}", path.display()))?
        .bundle_id;
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
        if app.last_checked_ms.is_some_and(|at| at >= since) && app.packs.iter().all(|p| settled(p))
        {
            return Ok(app);
        }
        match events.recv().await {
            Ok(_) | Err(RecvError::Lagged(_)) => {}
            Err(RecvError::Closed) => bail!("the manager stopped"),
        }
    }
}
