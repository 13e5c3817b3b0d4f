//! Benchmark helper for `scripts/bench`: downloads many files through one engine, the way the
//! manager does, and exits 0 only when every one finished and verified. `bgassets download`
//! takes a single URL; this drives the library directly with the same engine.
//!
//! Usage: `bench_many LIST OUT_DIR [WORKERS]`, where LIST holds one `URL SHA256` per line; each
//! file goes to `OUT_DIR/<last URL segment>`. Prints `N files, B bytes in S s` on stderr.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use bgassets::engine::{
    DownloadRequest, DownloadState, Engine, EngineConfig, EngineHandle, EventKind, Limits,
};
use bgassets::model::Sha256Digest;
use tokio::sync::broadcast::error::RecvError;

fn main() -> anyhow::Result<()> {
    bgassets::engine::allocator::tune();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (list, out_dir) = match args.as_slice() {
        [list, out, ..] => (PathBuf::from(list), PathBuf::from(out)),
        _ => bail!("usage: bench_many LIST OUT_DIR [WORKERS]"),
    };
    let workers: usize = match args.get(2) {
        Some(n) => n.parse().context("WORKERS must be a number")?,
        None => 8,
    };
    let requests = read_list(&list, &out_dir)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    // On the runtime's workers, as the manager's actor reads the engine's events, not on the
    // thread that waits for the runtime: that one would be woken once per event.
    runtime.block_on(async {
        tokio::spawn(download_all(requests, workers))
            .await
            .context("the benchmark's task stopped")?
    })
}

/// One request per `URL SHA256` line.
fn read_list(list: &PathBuf, out_dir: &std::path::Path) -> anyhow::Result<Vec<DownloadRequest>> {
    let text =
        std::fs::read_to_string(list).with_context(|| format!("cannot read {}", list.display()))?;
    let mut requests = Vec::new();
    for (number, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let mut fields = line.split_whitespace();
        let (Some(url), Some(sha256)) = (fields.next(), fields.next()) else {
            bail!("{}:{}: expected `URL SHA256`", list.display(), number + 1);
        };
        let url: url::Url = url
            .parse()
            .with_context(|| format!("{}:{}: bad URL", list.display(), number + 1))?;
        let name = url
            .path_segments()
            .and_then(|mut s| s.next_back())
            .filter(|n| !n.is_empty())
            .with_context(|| format!("{url}: no file name"))?
            .to_string();
        let mut request = DownloadRequest::new(name.clone(), url, out_dir.join(&name));
        request.sha256 = Some(Sha256Digest::parse_hex(sha256).map_err(anyhow::Error::msg)?);
        requests.push(request);
    }
    Ok(requests)
}

async fn download_all(requests: Vec<DownloadRequest>, workers: usize) -> anyhow::Result<()> {
    let engine = Engine::start(EngineConfig {
        limits: Limits {
            max_concurrent: workers,
            max_per_host: workers,
            bytes_per_second: None,
        },
        ..EngineConfig::default()
    })
    .context("cannot start the engine")?;
    let handle = engine.handle();
    let started = Instant::now();
    let mut events = handle.subscribe();
    let mut pending: HashSet<String> = requests.iter().map(|r| r.id.clone()).collect();
    let count = requests.len();
    for request in requests {
        handle.enqueue(request).await?;
    }
    while !pending.is_empty() {
        match events.recv().await {
            Ok(event) => {
                if matches!(
                    event.kind,
                    EventKind::Finished { .. } | EventKind::Failed { .. } | EventKind::Cancelled
                ) {
                    pending.remove(&event.id);
                }
            }
            Err(RecvError::Lagged(_)) => forget_done(&handle, &mut pending).await?,
            Err(RecvError::Closed) => bail!("the engine stopped"),
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let snapshot = handle.snapshot().await?;
    engine.shutdown().await;
    let failed: Vec<_> = snapshot
        .downloads
        .iter()
        .filter(|d| d.state != DownloadState::Finished)
        .collect();
    if let Some(first) = failed.first() {
        bail!(
            "{} of {count} downloads failed; the first: {first:?}",
            failed.len()
        );
    }
    let bytes: u64 = snapshot.downloads.iter().map(|d| d.bytes_done).sum();
    eprintln!("{count} files, {bytes} bytes in {elapsed:.3} s");
    Ok(())
}

/// After missing events, asks the engine which downloads have ended.
async fn forget_done(handle: &EngineHandle, pending: &mut HashSet<String>) -> anyhow::Result<()> {
    let snapshot = handle.snapshot().await?;
    for download in &snapshot.downloads {
        if download.state.is_terminal() {
            pending.remove(&download.request.id);
        }
    }
    Ok(())
}
