//! `bgassets daemon`: the manager with no window (servers, CI, QA machines), serving apps and
//! `bgassets ctl` over the local socket until Ctrl-C or SIGTERM. `--demo` runs it on the
//! embedded demo (mock server and demo app in a scratch data dir, unless `--data-dir` is given).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use tokio_util::sync::CancellationToken;

use crate::ipc::SocketServer;
use crate::manager::{Manager, ManagerConfig};
use crate::store::Paths;

/// `bgassets daemon`'s arguments.
#[derive(Debug, Args)]
pub struct DaemonArgs {
    /// Run on the embedded demo: its mock server and demo app.
    #[arg(long)]
    pub demo: bool,
    /// Allow plain HTTP to this host (besides loopback), for testing. Repeatable.
    #[arg(long = "allow-insecure-host", value_name = "HOST")]
    pub insecure_hosts: Vec<String>,
    /// A PEM certificate to trust (e.g. the one `bgassets serve --tls` prints). Repeatable.
    #[arg(long, value_name = "PEM")]
    pub cacert: Vec<PathBuf>,
    /// How often apps' downloader extensions get a `periodic` content request (`30m`, `6h`).
    #[arg(long, value_name = "DURATION", default_value = "6h", value_parser = duration)]
    pub content_interval: std::time::Duration,
    /// How long an app's downloader extension may take to answer before it counts as hung.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = duration)]
    pub extension_timeout: std::time::Duration,
}

fn duration(text: &str) -> Result<std::time::Duration, String> {
    let value = crate::model::size::parse_duration(text).map_err(|e| e.to_string())?;
    if value.is_zero() {
        return Err(format!("`{text}` is no time at all"));
    }
    Ok(value)
}

/// Runs the daemon until Ctrl-C or SIGTERM.
pub fn run(args: DaemonArgs, data_dir: Option<PathBuf>) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(daemon(args, data_dir))
}

async fn daemon(args: DaemonArgs, data_dir: Option<PathBuf>) -> anyhow::Result<()> {
    let (manager, demo_server, paths, _demo) = if args.demo {
        let demo = crate::demo::start_demo(data_dir)
            .await
            .context("cannot start the demo")?;
        let paths = Paths::under(&demo.data_dir);
        let crate::demo::Demo {
            manager,
            server,
            data_dir,
            scratch,
        } = demo;
        (manager, Some(server), paths, (data_dir, scratch))
    } else {
        let paths = Paths::resolve(data_dir.as_deref())?;
        let mut config = ManagerConfig::new(paths.clone());
        config.insecure_hosts = args.insecure_hosts.clone();
        config.extra_root_certificates = args.cacert.clone();
        config.content_interval = args.content_interval;
        config.extension_limits.time = args.extension_timeout;
        let manager = Manager::start(config)
            .await
            .context("cannot start the manager")?;
        (manager, None, paths, (PathBuf::new(), None))
    };
    let socket = paths.socket_path();
    let server = SocketServer::bind(&socket)
        .with_context(|| format!("cannot listen on {}", socket.display()))?;
    let shutdown = CancellationToken::new();
    let serving = tokio::spawn(server.serve(manager.handle(), shutdown.clone()));
    let line = serde_json::json!({
        "socket": socket,
        "dataDir": paths.state_file().parent(),
        "demoServer": demo_server.as_ref().map(|s| s.url().to_string()),
    });
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{line}").context("cannot write to stdout")?;
        stdout.flush().context("cannot write to stdout")?;
    }
    wait_for_signal().await?;
    // The manager stops first, while the socket still serves: a running app registered as its
    // extension hears `willTerminate`.
    manager.shutdown().await;
    shutdown.cancel();
    let _ = serving.await;
    if let Some(server) = demo_server {
        server.shutdown().await;
    }
    Ok(())
}

/// Ctrl-C or, on Unix, SIGTERM.
async fn wait_for_signal() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .context("cannot listen for SIGTERM")?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.context("cannot listen for Ctrl-C")?,
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c()
        .await
        .context("cannot listen for Ctrl-C")?;
    Ok(())
}
