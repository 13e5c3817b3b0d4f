//! Following a `bgassets download` run: the downloads enqueued (or resumed), then the engine's
//! events on the progress bar (the bytes of every download together; resumptions, retries and
//! why a queued download waits as lines above it) until each one ends or Ctrl-C.

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use tokio::sync::broadcast::error::RecvError;

use crate::cli::pack::progress_bar;
use crate::engine::{Download, DownloadRequest, EngineHandle, EventKind};
use crate::model::size::format_bytes;

/// Enqueues (or resumes) the downloads, best ranked first, and follows them to their end, or
/// to Ctrl-C. Returns them in the order given.
pub(super) async fn drive(
    handle: &EngineHandle,
    requests: &[DownloadRequest],
    quiet: bool,
) -> anyhow::Result<Vec<Download>> {
    let mut events = handle.subscribe();
    // A saved download for a file comes back paused; enqueueing resumes it from its partial
    // file (or starts afresh if the URL changed).
    for request in requests {
        match handle.enqueue(request.clone()).await {
            Ok(()) | Err(crate::engine::EngineError::AlreadyScheduled(_)) => {}
            Err(error) => return Err(error.into()),
        }
    }
    let bar = if quiet {
        indicatif::ProgressBar::hidden()
    } else {
        progress_bar()
    };
    let mut totals = BTreeMap::new();
    loop {
        let snapshot = handle.snapshot().await?;
        let downloads = requests
            .iter()
            .map(|r| {
                snapshot
                    .get(&r.id)
                    .cloned()
                    .with_context(|| format!("the download of {} disappeared", r.url))
            })
            .collect::<anyhow::Result<Vec<Download>>>()?;
        if downloads.iter().all(|d| d.state.is_terminal()) {
            bar.finish_and_clear();
            return Ok(downloads);
        }
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {
                bar.finish_and_clear();
                return Ok(downloads);
            }
            event = events.recv() => match event {
                Ok(event) if requests.iter().any(|r| r.id == event.id) => {
                    show(&bar, &event.id, &event.kind, &mut totals);
                }
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => bail!("the download engine stopped"),
            },
        }
    }
}

/// Shows an event of download `id` on the bar: the bytes of every download together, and
/// retries and resumptions as lines above it.
fn show(
    bar: &indicatif::ProgressBar,
    id: &str,
    event: &EventKind,
    totals: &mut BTreeMap<String, (u64, u64)>,
) {
    match event {
        EventKind::Started { from_byte, .. } if *from_byte > 0 => {
            bar.println(format!("{id}: resuming from {}", format_bytes(*from_byte)));
        }
        EventKind::Progress { progress, .. } => {
            totals.insert(id.to_string(), (progress.bytes_done, progress.bytes_total));
            bar.set_length(totals.values().map(|t| t.1).fold(0, u64::saturating_add));
            bar.set_position(totals.values().map(|t| t.0).fold(0, u64::saturating_add));
            bar.set_message(id.to_string());
        }
        EventKind::Retrying {
            reason,
            delay_ms,
            without_progress,
            ..
        } => bar.println(format!(
            "{id}: {}",
            crate::engine::retry::explain(reason, *delay_ms, *without_progress)
        )),
        EventKind::Verifying => bar.set_message(format!("verifying {id}")),
        EventKind::Waiting { reason } => bar.println(format!(
            "{id}: {}",
            crate::manager::plan::shown::waiting(reason)
        )),
        _ => {}
    }
}
