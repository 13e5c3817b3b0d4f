//! `bgassets download URL`: one unmanaged download through the engine, with resume, checksum,
//! priority and a bandwidth limit. A progress bar on a terminal, quiet otherwise; exit code 0
//! only when the file is complete and verified; `--json` prints a final report.
//!
//! The engine's queue is kept beside the file as `FILE.bgassets-download.json` until the
//! download succeeds, so an interrupted run (Ctrl-C, a crash, `kill -9`) resumes where it was.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;
use serde::Serialize;
use tokio::sync::broadcast::error::RecvError;

use crate::engine::{
    Download, DownloadRequest, DownloadState, Engine, EngineConfig, EngineHandle, EventKind,
    Limits, Priority, RetryPolicy,
};
use crate::model::size::{format_bytes, parse_duration, parse_size};
use crate::model::{PackError, Sha256Digest};

use super::pack::progress_bar;

/// `bgassets download`'s arguments.
#[derive(Debug, Args)]
pub struct DownloadArgs {
    /// The http(s) URL to download.
    pub url: url::Url,
    /// Where to write the file; by default the URL's file name in the current folder.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// The SHA-256 the file must have (64 hex characters).
    #[arg(long, value_parser = parse_sha256)]
    pub sha256: Option<Sha256Digest>,
    /// The exact size the file must have, in bytes (or with a KB/MB/GB suffix).
    #[arg(long, value_parser = parse_size_arg)]
    pub size: Option<u64>,
    /// The download's priority (any integer; higher first).
    #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
    pub priority: i64,
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
    /// Print a JSON report when done.
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

/// The `--json` report.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    url: String,
    path: PathBuf,
    state: &'static str,
    size: u64,
    sha256: Option<String>,
    attempts: u32,
    seconds: f64,
    error: Option<PackError>,
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
    let destination = match &args.output {
        Some(path) => path.clone(),
        None => PathBuf::from(file_name_of(&args.url)),
    };
    if !args.overwrite && std::fs::symlink_metadata(&destination).is_ok() {
        anyhow::bail!(
            "{} already exists; bgassets does not overwrite a file it did not write: choose another -o or pass --overwrite",
            destination.display()
        );
    }
    let state_file = sidecar(&destination);
    let config = EngineConfig {
        state_file: Some(state_file.clone()),
        limits: Limits {
            max_concurrent: 1,
            max_per_host: 1,
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
    };
    let engine = Engine::start(config).context("cannot start the download engine")?;
    let handle = engine.handle();
    let id = destination.display().to_string();
    let request = DownloadRequest {
        id: id.clone(),
        url: args.url.clone(),
        destination: destination.clone(),
        expected_size: args.size,
        sha256: args.sha256,
        priority: Priority(args.priority),
        essential: false,
        allowed_hosts: Vec::new(),
    };
    let started = Instant::now();
    let result = drive(&handle, request, args.json).await;
    engine.shutdown().await;
    let download = result?;
    let report = Report {
        url: args.url.to_string(),
        path: destination.clone(),
        state: download.state.apple_state(),
        size: download.bytes_done,
        sha256: download.sha256.map(|digest| digest.to_hex()),
        attempts: download.attempts,
        seconds: started.elapsed().as_secs_f64(),
        error: download.last_error.clone(),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    match download.state {
        DownloadState::Finished => {
            let _ = std::fs::remove_file(&state_file);
            if !args.json {
                eprintln!(
                    "{}: {} in {:.1} s",
                    destination.display(),
                    format_bytes(report.size),
                    report.seconds
                );
            }
            Ok(())
        }
        DownloadState::Failed { error } => {
            // Nothing to resume: forget the saved queue too.
            if !crate::store::atomic::partial_path(&destination).exists() {
                let _ = std::fs::remove_file(&state_file);
            }
            bail!("cannot download: {error}")
        }
        _ => bail!(
            "stopped before {} was complete; run the same command again to resume",
            destination.display()
        ),
    }
}

/// Enqueues (or resumes) the download and follows it to its end, or to Ctrl-C.
async fn drive(
    handle: &EngineHandle,
    request: DownloadRequest,
    quiet: bool,
) -> anyhow::Result<Download> {
    let id = request.id.clone();
    let mut events = handle.subscribe();
    // A saved download for this file comes back paused; enqueueing resumes it from its partial
    // file (or starts afresh if the URL changed).
    match handle.enqueue(request).await {
        Ok(()) | Err(crate::engine::EngineError::AlreadyScheduled(_)) => {}
        Err(error) => return Err(error.into()),
    }
    let bar = if quiet {
        indicatif::ProgressBar::hidden()
    } else {
        progress_bar()
    };
    loop {
        let snapshot = handle.snapshot().await?;
        let download = snapshot
            .get(&id)
            .context("the download disappeared")?
            .clone();
        if download.state.is_terminal() {
            bar.finish_and_clear();
            return Ok(download);
        }
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {
                bar.finish_and_clear();
                return Ok(download);
            }
            event = events.recv() => match event {
                Ok(event) if event.id == id => show(&bar, &event.kind),
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => bail!("the download engine stopped"),
            },
        }
    }
}

fn show(bar: &indicatif::ProgressBar, event: &EventKind) {
    match event {
        EventKind::Started { from_byte, .. } if *from_byte > 0 => {
            bar.println(format!("resuming from {}", format_bytes(*from_byte)));
        }
        EventKind::Progress { progress, .. } => {
            bar.set_length(progress.bytes_total);
            bar.set_position(progress.bytes_done);
        }
        EventKind::Retrying {
            reason,
            delay_ms,
            without_progress,
            ..
        } => bar.println(crate::engine::retry::explain(
            reason,
            *delay_ms,
            *without_progress,
        )),
        EventKind::Verifying => bar.set_message("verifying"),
        _ => {}
    }
}

/// The last path segment of `url`, or `download` when it has none.
fn file_name_of(url: &url::Url) -> String {
    url.path_segments()
        .and_then(|mut segments| segments.next_back())
        .filter(|name| !name.is_empty())
        .map(|name| name.replace(['/', '\\'], "_"))
        .unwrap_or_else(|| "download".to_string())
}

/// `FILE` → `FILE.bgassets-download.json`.
fn sidecar(destination: &Path) -> PathBuf {
    let mut name = destination.file_name().unwrap_or_default().to_os_string();
    name.push(".bgassets-download.json");
    destination.with_file_name(name)
}
