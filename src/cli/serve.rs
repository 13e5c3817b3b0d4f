//! `bgassets serve DIR`: runs the mock server in the foreground until Ctrl-C (or SIGTERM),
//! printing one JSON line on stdout once listening and one log line per request on stderr.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;

use crate::model::size::{parse_duration, parse_size};
use crate::server::config::{DEFAULT_MAX_CONNECTIONS, MAX_HEADER_READ_TIMEOUT};
use crate::server::{ConnLimits, Faults, ServeConfig, Server};

/// Serve a directory made by `bgassets pack index` (manifest.json and pack archives).
///
/// Prints one JSON line once listening:
/// {"listening":URL,"manifest":URL,"root":DIR,"cert":PEM-or-null}.
/// Faults can be changed while running through /_bgassets/faults (see docs/serve.md).
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The directory to serve.
    #[arg(
        value_name = "DIR",
        required_unless_present = "demo",
        conflicts_with = "demo"
    )]
    pub dir: Option<PathBuf>,
    /// Serve the embedded demo app's packs (built into the temp folder on first use).
    #[arg(long)]
    pub demo: bool,
    /// Address to listen on; port 0 lets the system choose. Loopback only, unless
    /// --allow-remote.
    #[arg(long, default_value = "127.0.0.1:0", value_name = "IP:PORT")]
    pub addr: SocketAddr,
    /// Allow an --addr that is not loopback: anyone who reaches it can change the faults.
    #[arg(long)]
    pub allow_remote: bool,
    /// Time a client has to send its request headers; idle connections close after it too.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = header_timeout)]
    pub header_timeout: Duration,
    /// Connections served at once; more wait until one ends.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_CONNECTIONS, value_parser = at_least_one)]
    pub max_connections: usize,
    /// Serve HTTPS with a self-signed certificate made at start.
    #[arg(long)]
    pub tls: bool,
    /// Where to write cert.pem and key.pem (default: a temporary directory, removed on exit).
    #[arg(long, value_name = "DIR", requires = "tls")]
    pub cert_dir: Option<PathBuf>,
    /// Delay before the response headers of every file request (e.g. 200ms, 1.5s).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help_heading = "Faults")]
    pub latency: Option<Duration>,
    /// Bytes per second for the whole server, shared by all responses (e.g. 40MB).
    #[arg(long, value_name = "SIZE", value_parser = parse_size, help_heading = "Faults")]
    pub rate: Option<u64>,
    /// Fraction of file requests answered 503 with Retry-After (0 to 1).
    #[arg(
        long,
        value_name = "FRACTION",
        default_value_t = 0.0,
        help_heading = "Faults"
    )]
    pub fail_rate: f64,
    /// Seconds sent in Retry-After with injected 503s.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 1,
        help_heading = "Faults"
    )]
    pub retry_after: u64,
    /// Seed for the fail-rate draws, for reproducible runs.
    #[arg(long, value_name = "N", help_heading = "Faults")]
    pub seed: Option<u64>,
    /// Abort the connection after this many body bytes of each response (e.g. 50MB).
    #[arg(long, value_name = "SIZE", value_parser = parse_size, help_heading = "Faults")]
    pub drop_after: Option<u64>,
    /// Stop sending after this many body bytes of each response, keeping the connection open.
    #[arg(long, value_name = "SIZE", value_parser = parse_size, help_heading = "Faults")]
    pub stall_after: Option<u64>,
    /// Answer 200 with the whole file even to Range requests.
    #[arg(long, help_heading = "Faults")]
    pub ignore_range: bool,
    /// Give every response a different ETag (so If-Range never matches).
    #[arg(long, help_heading = "Faults")]
    pub change_etag: bool,
    /// Flip the byte at offset len/2 of every file (XOR 0xFF) in every body that contains it.
    #[arg(long, help_heading = "Faults")]
    pub corrupt: bool,
}

impl ServeArgs {
    /// The server configuration these arguments describe, serving `root`.
    pub fn config(&self, root: PathBuf) -> ServeConfig {
        ServeConfig {
            root,
            addr: self.addr,
            tls: self.tls,
            cert_dir: self.cert_dir.clone(),
            allow_remote: self.allow_remote,
            limits: ConnLimits {
                header_read_timeout: self.header_timeout,
                max_connections: self.max_connections,
            },
            faults: Faults {
                latency: self.latency,
                rate: self.rate,
                fail_rate: self.fail_rate,
                retry_after: self.retry_after,
                seed: self.seed,
                drop_after: self.drop_after,
                stall_after: self.stall_after,
                ignore_range: self.ignore_range,
                change_etag: self.change_etag,
                corrupt: self.corrupt,
            },
        }
    }
}

/// A duration of at least 1 ms and at most an hour, for --header-timeout.
fn header_timeout(text: &str) -> Result<Duration, String> {
    let timeout = parse_duration(text).map_err(|error| error.to_string())?;
    if timeout.is_zero() || timeout > MAX_HEADER_READ_TIMEOUT {
        return Err(format!("{text} is not between 1ms and 1 hour"));
    }
    Ok(timeout)
}

/// A whole number of at least 1, for --max-connections.
fn at_least_one(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("{text} is not a whole number of at least 1")),
    }
}

/// Runs the server until Ctrl-C or SIGTERM.
pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(args))
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    // Listen for signals before announcing, so a signal sent right after the line is seen.
    let stop = stop_signal()?;
    let root = match (&args.dir, args.demo) {
        (Some(dir), _) => dir.clone(),
        (None, _) => {
            let site = crate::demo::build_default_site().await?;
            eprintln!(
                "demo app: {} (its BAManifestURL is {})",
                site.info_plist.display(),
                crate::demo::DEFAULT_MANIFEST_URL
            );
            site.site
        }
    };
    let server = Server::start(args.config(root.clone()))
        .await
        .with_context(|| format!("cannot serve {}", root.display()))?;
    let line = serde_json::to_string(&server.announcement())?;
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{line}").context("cannot write to stdout")?;
        stdout.flush().context("cannot write to stdout")?;
    }
    stop.await?;
    tracing::info!("stopping");
    server.shutdown().await;
    Ok(())
}

/// A future that resolves on Ctrl-C or SIGTERM; the handlers are installed right away.
#[cfg(unix)]
fn stop_signal() -> anyhow::Result<impl Future<Output = anyhow::Result<()>>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot listen for Ctrl-C")?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
        Ok(())
    })
}

#[cfg(not(unix))]
fn stop_signal() -> anyhow::Result<impl Future<Output = anyhow::Result<()>>> {
    let ctrl_c = tokio::signal::ctrl_c();
    Ok(async move { ctrl_c.await.context("cannot listen for Ctrl-C") })
}
