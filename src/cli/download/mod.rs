//! `bgassets download URL…`: unmanaged downloads through the engine, with resume, checksum,
//! priority and a bandwidth limit. Several URLs share one engine, `--parallel` at a time, the
//! higher `--priority` first ([`plan`]). A progress bar on a terminal ([`follow`]), quiet
//! otherwise; exit code 0 only when every file is complete and verified; `--json` prints a
//! final report.
//!
//! The engine's queue is kept beside the file as `FILE.bgassets-download.json` (in the folder
//! of several files, `.bgassets-download.json`) until every download succeeds, so an
//! interrupted run (Ctrl-C, a crash, `kill -9`) resumes where it was.

mod follow;
mod outcome;
mod plan;

use follow::drive;
use outcome::{Report, conclude};

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;

use crate::engine::{DownloadRequest, Engine, EngineConfig, Limits, RetryPolicy};
use crate::model::Sha256Digest;
use crate::model::size::{parse_duration, parse_size};

/// `bgassets download`'s arguments.
#[derive(Debug, Args)]
pub struct DownloadArgs {
    /// The http(s) URLs to download.
    #[arg(required = true, value_name = "URL")]
    pub urls: Vec<url::Url>,
    /// Where to write the file of a single URL; by default the URL's file name in the current
    /// folder (or in --output-dir).
    #[arg(short, long, conflicts_with = "output_dir")]
    pub output: Option<PathBuf>,
    /// The folder for the files, each named after its URL (the current folder by default).
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// The SHA-256 the file must have (64 hex characters); with a single URL.
    #[arg(long, value_parser = parse_sha256)]
    pub sha256: Option<Sha256Digest>,
    /// The exact size the file must have, in bytes (or with a KB/MB/GB suffix); with a single
    /// URL.
    #[arg(long, value_parser = parse_size_arg)]
    pub size: Option<u64>,
    /// Another URL of the same file, tried when the URL fails (a server error, a stall, a
    /// refused connection), resuming from the bytes already fetched; repeat for more, the
    /// fastest measured first. Needs --sha256 and a single URL.
    #[arg(long = "mirror", value_name = "URL")]
    pub mirrors: Vec<url::Url>,
    /// The downloads' priorities (any integers, higher first): one per URL in the URLs' order,
    /// comma-separated or repeated, or one for all. It decides which URLs download first when
    /// there are more than --parallel, and is kept in the saved queue, so a resumed run keeps
    /// the order. With a single URL there is nothing to order.
    #[arg(
        long,
        value_delimiter = ',',
        allow_hyphen_values = true,
        value_name = "N"
    )]
    pub priority: Vec<i64>,
    /// How many URLs download at once.
    #[arg(long, default_value_t = 1, value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallel: u16,
    /// The most connections one file is fetched over: a file of 32 MiB or more from a server
    /// that honours `Range` is split across them, adding connections while the total rate
    /// grows (for servers that cap each connection's rate). `1` keeps one connection.
    #[arg(long, default_value_t = 8, value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=8))]
    pub connections: u16,
    /// Bytes per second at most, e.g. `2MB`.
    #[arg(long, value_parser = parse_size_arg)]
    pub limit_rate: Option<u64>,
    /// Attempts in a row without new bytes before giving up on transient failures (an attempt
    /// that brings new bytes starts the count over).
    #[arg(long, default_value_t = 8)]
    pub max_attempts: u32,
    /// Seconds without data before an attempt counts as stalled, e.g. `30s`.
    #[arg(long, value_parser = parse_duration_arg, default_value = "30s")]
    pub stall_timeout: std::time::Duration,
    /// A PEM certificate to trust (e.g. the one `bgassets serve --tls` prints).
    #[arg(long)]
    pub cacert: Option<PathBuf>,
    /// A host that may be reached over plain HTTP (loopback always may); every other hop,
    /// redirects included, must be HTTPS. Repeatable.
    #[arg(long = "allow-insecure-host", value_name = "HOST")]
    pub insecure_hosts: Vec<String>,
    /// Replace the file at the destination if one is there already (by default bgassets
    /// refuses: it never overwrites a file it did not write).
    #[arg(long)]
    pub overwrite: bool,
    /// Print a JSON report when done (with several URLs, an array of them, best ranked first).
    #[arg(long)]
    pub json: bool,
}

fn parse_sha256(text: &str) -> Result<Sha256Digest, String> {
    Sha256Digest::parse_hex(text)
}

fn parse_size_arg(text: &str) -> Result<u64, String> {
    parse_size(text).map_err(|e| e.to_string())
}

fn parse_duration_arg(text: &str) -> Result<std::time::Duration, String> {
    let text = if text.chars().all(|c| c.is_ascii_digit()) {
        format!("{text}s")
    } else {
        text.to_string()
    };
    parse_duration(&text).map_err(|e| e.to_string())
}

/// Runs the download.
pub fn run(args: DownloadArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(download(args))
}

async fn download(args: DownloadArgs) -> anyhow::Result<()> {
    let usage = |problem: String| anyhow::Error::new(super::ctl::UsageError(problem));
    if args.urls.len() > 1 && (args.sha256.is_some() || args.size.is_some()) {
        return Err(usage(
            "--sha256 and --size pin one file: give them with a single URL".into(),
        ));
    }
    if !args.mirrors.is_empty() && (args.urls.len() > 1 || args.sha256.is_none()) {
        return Err(usage(
            "--mirror names another URL of one file: give it with a single URL and --sha256".into(),
        ));
    }
    let planned = plan::plan(
        &args.urls,
        args.output.as_deref(),
        args.output_dir.as_deref(),
        &args.priority,
    )
    .map_err(usage)?;
    for file in &planned {
        if !args.overwrite && std::fs::symlink_metadata(&file.destination).is_ok() {
            bail!(
                "{} already exists; bgassets does not overwrite a file it did not write: choose another -o or pass --overwrite",
                file.destination.display()
            );
        }
    }
    let state_file = plan::sidecar(&planned, args.output_dir.as_deref());
    let parallel = usize::from(args.parallel);
    let connections = usize::from(args.connections);
    let config = EngineConfig {
        state_file: Some(state_file.clone()),
        limits: Limits {
            max_concurrent: parallel,
            // One host may get each running file's connections.
            max_per_host: parallel.saturating_mul(connections),
            bytes_per_second: args.limit_rate,
        },
        retry: RetryPolicy {
            max_attempts: args.max_attempts.max(1),
            stall_timeout: args.stall_timeout,
            ..RetryPolicy::default()
        },
        extra_root_certificates: args.cacert.iter().cloned().collect(),
        max_redirects: None,
        insecure_hosts: args.insecure_hosts.clone(),
        max_body: None,
        hold_restored: true,
        segments: crate::engine::SegmentConfig {
            max_connections: connections,
            ..Default::default()
        },
    };
    let engine = Engine::start(config).context("cannot start the download engine")?;
    let handle = engine.handle();
    // Best ranked first: the first `--parallel` start at once, the others wait their turn in
    // the engine's queue, which ranks them by the same priorities.
    let requests: Vec<DownloadRequest> = planned
        .iter()
        .map(|file| DownloadRequest {
            id: file.destination.display().to_string(),
            url: file.url.clone(),
            mirrors: args.mirrors.clone(),
            destination: file.destination.clone(),
            expected_size: args.size,
            max_size: None,
            sha256: args.sha256,
            priority: file.priority,
            essential: false,
            allowed_hosts: Vec::new(),
            headers: Vec::new(),
        })
        .collect();
    let started = Instant::now();
    let result = drive(&handle, &requests, args.json).await;
    engine.shutdown().await;
    let downloads = result?;
    let reports: Vec<Report> = downloads
        .iter()
        .map(|download| Report {
            url: download.request.url.to_string(),
            mirror: (download.origin != 0).then(|| download.url().to_string()),
            path: download.request.destination.clone(),
            priority: download.request.priority.0,
            state: download.state.apple_state(),
            size: download.bytes_done,
            sha256: download.sha256.map(|digest| digest.to_hex()),
            attempts: download.attempts,
            seconds: started.elapsed().as_secs_f64(),
            error: download.last_error.clone(),
        })
        .collect();
    if args.json {
        let json = match reports.as_slice() {
            [one] => serde_json::to_string_pretty(one)?,
            all => serde_json::to_string_pretty(all)?,
        };
        println!("{json}");
    }
    conclude(&downloads, &reports, &state_file, args.json)
}
