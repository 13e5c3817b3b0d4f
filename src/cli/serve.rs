//! `bgassets serve DIR`: runs the mock server in the foreground until Ctrl-C (or SIGTERM),
//! printing one JSON line on stdout once listening and one log line per request on stderr.
//! `bgassets serve sign URL` (in `sign`) prints a URL signed for `--require-token`.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;

use crate::model::size::{parse_duration, parse_size};
use crate::server::config::{DEFAULT_MAX_CONNECTIONS, MAX_HEADER_READ_TIMEOUT};
use crate::server::token::Secret;
use crate::server::{ConnLimits, Faults, ServeConfig, Server, TokenGate};

mod sign;

/// The environment variable that may hold the token secret (keeps it out of `ps`).
pub const TOKEN_ENV: &str = "BGASSETS_SERVE_TOKEN";

/// Serve a directory made by `bgassets pack index` (manifest.json and pack archives).
///
/// Prints one JSON line once listening:
/// {"listening":URL,"manifest":URL,"root":DIR,"cert":PEM-or-null}.
/// Faults can be changed while running through /_bgassets/faults (see docs/serve.md).
/// `bgassets serve sign URL` prints a URL signed for --require-token (a folder named `sign` is
/// served as `./sign`).
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ServeArgs {
    /// Sign a URL for a server run with --require-token.
    #[command(subcommand)]
    pub action: Option<ServeAction>,
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
    /// Every file but the manifests (*.json at the root) and --public paths answers 403 unless
    /// the request has `Authorization: Bearer SECRET` or a URL signed with this secret (`serve
    /// sign`). Better given in the environment variable BGASSETS_SERVE_TOKEN, which stays out
    /// of `ps`; setting that variable turns this on.
    #[arg(
        long,
        value_name = "SECRET",
        env = TOKEN_ENV,
        hide_env_values = true,
        help_heading = "Access"
    )]
    pub require_token: Option<SecretArg>,
    /// A file, or a folder and all under it, served without the token (repeatable), e.g.
    /// packs/free.zip.
    #[arg(
        long = "public",
        value_name = "PATH",
        requires = "require_token",
        help_heading = "Access"
    )]
    pub public: Vec<String>,
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

/// What `bgassets serve` does besides serving.
#[derive(Debug, clap::Subcommand)]
pub enum ServeAction {
    /// Print the URL signed with the secret until now + --ttl: ?expires=UNIX&signature=HEX.
    Sign(sign::SignArgs),
}

impl ServeArgs {
    /// The server configuration these arguments describe, serving `root`; a bad `--public`
    /// path is refused by name.
    pub fn config(&self, root: PathBuf) -> anyhow::Result<ServeConfig> {
        let token = match &self.require_token {
            Some(secret) => {
                let mut gate = TokenGate::new(secret.validate("--require-token")?);
                for path in &self.public {
                    gate = gate.with_public(path)?;
                }
                Some(gate)
            }
            None => None,
        };
        Ok(ServeConfig {
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
            token,
        })
    }
}

/// A token secret as given on the command line or in the environment, not yet validated:
/// clap would repeat a refused value in its error, so it is validated after parsing by
/// [`SecretArg::validate`], whose errors never show it. Its `Debug` does not either.
#[derive(Clone)]
pub struct SecretArg(String);

impl std::str::FromStr for SecretArg {
    type Err = std::convert::Infallible;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(SecretArg(text.to_string()))
    }
}

impl std::fmt::Debug for SecretArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretArg(<hidden>)")
    }
}

impl SecretArg {
    /// The validated secret; the error names the flag and the environment variable.
    pub fn validate(&self, flag: &str) -> anyhow::Result<Secret> {
        Secret::new(&self.0).with_context(|| format!("invalid {flag} (or {TOKEN_ENV})"))
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

/// Runs the server until Ctrl-C or SIGTERM (or signs a URL).
pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    if let Some(ServeAction::Sign(sign)) = args.action {
        return sign::run(sign);
    }
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
    let server = Server::start(args.config(root.clone())?)
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
